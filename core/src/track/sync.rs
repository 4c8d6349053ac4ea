//! Bringing MLflow up to date with a run folder: every model's run (a tuning job's model run is
//! the parent of one child run per trial), sent idempotently by
//! [`mlpipe_tracking::sync_run`]. Used after each step that changes a run, by the tuner after
//! each trial, and by `runner sync`.

use super::snapshot::snapshot;
use super::{mark_down, sync_hint, tracker_down};
use std::time::Duration;

/// How long one request of `runner sync` may take: it uploads model files, which can be large.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(300);

/// The same after a step: a slow server must not hold the pipeline long.
const AFTER_STEP_TIMEOUT: Duration = Duration::from_secs(30);
use crate::job::Job;
use crate::layout::RunLayout;
use crate::tune::record::TrialRecord;
use crate::tune::store::load_trials;
use crate::{Error, Result};
use mlpipe_tracking::{sync_run, MlflowClient, SyncReport};

/// One MLflow run brought up to date: its key and what was sent.
#[derive(Debug, Clone)]
pub struct Synced {
    /// The MLflow run's key.
    pub key: String,
    /// What was sent.
    pub report: SyncReport,
}

/// Syncs every model of `run` (and for a tuning run every trial, as child runs) to the tracker at
/// `uri`, each request taking at most `timeout`.
///
/// # Errors
/// The first tracker failure (what was sent before stays sent; a rerun completes the rest),
/// storage failures.
pub fn sync_folder(job: &Job, run: &RunLayout, uri: &str, timeout: Duration) -> Result<Vec<Synced>> {
    let trials = load_trials(job, run)?;
    let models = run_models(job, run)?;
    let mut done = Vec::new();
    for model in &models {
        let mine: Vec<&TrialRecord> = trials.iter().filter(|record| &record.model == model).collect();
        done.extend(sync_model(job, run, uri, timeout, model, &mine)?);
    }
    Ok(done)
}

/// Syncs `model`'s run in `run` and, as its children, the trials `trials` (of a tuning run).
fn sync_model(
    job: &Job,
    run: &RunLayout,
    uri: &str,
    timeout: Duration,
    model: &str,
    trials: &[&TrialRecord],
) -> Result<Vec<Synced>> {
    let client = super::client(job, uri, timeout)?;
    let experiment = &job.settings.tracking.mlflow_experiment;
    let parent = sync_one(&client, experiment, job, run, model, None, None)?;
    let parent_id = parent.report.run_id.clone();
    let mut done = vec![parent];
    for record in trials {
        let trial = run.trial(model, record.trial)?;
        if job.storage.exists(&trial.manifest())? {
            done.push(sync_one(&client, experiment, job, &trial, model, Some(record), Some(parent_id.clone()))?);
        }
    }
    Ok(done)
}

fn sync_one(
    client: &MlflowClient,
    experiment: &str,
    job: &Job,
    run: &RunLayout,
    model: &str,
    trial: Option<&TrialRecord>,
    parent: Option<String>,
) -> Result<Synced> {
    let staged = snapshot(job, run, model, trial, parent)?;
    let report = sync_run(client, experiment, &staged.snapshot)?;
    Ok(Synced { key: staged.snapshot.key.clone(), report })
}

/// The models of a run, from its manifest (the settings may have changed since).
fn run_models(job: &Job, run: &RunLayout) -> Result<Vec<String>> {
    let key = run.manifest();
    if !job.storage.exists(&key)? {
        return Err(Error::Unsupported {
            what: format!("there is no run {} ({} is missing)", run.num(), job.storage.uri(&key)),
        });
    }
    let text = String::from_utf8_lossy(&job.storage.get(&key)?).into_owned();
    let manifest: toml::Table = toml::from_str(&text).map_err(|err| Error::data_file(job.storage.uri(&key), err))?;
    Ok(manifest
        .get("models")
        .and_then(toml::Value::as_array)
        .map(|models| models.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
        .unwrap_or_default())
}

/// After a step changed `run`: syncs it when tracking is on. A tracker that is down costs nothing
/// but one warning per process (naming `runner sync`); the step's result stands.
pub fn after_step(job: &Job, run: &RunLayout) {
    report(job, run, |uri| sync_folder(job, run, uri, AFTER_STEP_TIMEOUT));
}

/// After a tuning trial ended: syncs it as a child of its model's run (the other trials are
/// already there), with [`after_step`]'s rules.
pub fn after_trial(job: &Job, run: &RunLayout, record: &TrialRecord) {
    report(job, run, |uri| sync_model(job, run, uri, AFTER_STEP_TIMEOUT, &record.model, &[record]));
}

/// Runs `sync` against the configured tracker, logging the outcome; the first failure warns and
/// marks the tracker down for the rest of the process.
fn report(job: &Job, run: &RunLayout, sync: impl FnOnce(&str) -> Result<Vec<Synced>>) {
    let Some(uri) = &job.settings.tracking.mlflow_uri else {
        return;
    };
    if tracker_down() {
        return;
    }
    match sync(uri) {
        Ok(synced) => {
            let sent: usize = synced.iter().map(|s| s.report.sent()).sum();
            tracing::info!(
                "tracking: run {} synced to {uri} ({} MLflow runs, {sent} items sent)",
                run.num(),
                synced.len()
            );
        }
        Err(err) => {
            mark_down();
            tracing::warn!(
                "tracking: could not update MLflow at {uri}: {err}; the run folder is complete, `{}` sends it later",
                sync_hint(job, run)
            );
        }
    }
}
