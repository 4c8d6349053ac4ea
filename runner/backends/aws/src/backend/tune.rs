//! Step `tune` with `training.backend = sagemaker`: one SageMaker hyperparameter tuning job per
//! model, one after the other, in a run opened as `train` opens it. While a tuning job runs, each
//! change of its counts or best job is printed (Ctrl-C stops it). Then its training jobs become the
//! run's `tuning/trials.jsonl` (the same [`TrialRecord`]s the local tuner writes, numbered in
//! creation order, parameters under their `[training]` keys), the best one goes to
//! `tuning/best.json` and the tuning plot, and its model artifacts are unpacked into
//! `training/<model>/`, so `infer` and the report work as after a local search. `--dry-run`
//! prints each tuning request instead.

use super::support::{aws, validated_client, StepContext};
use super::train::{fetch_model, model_spec, open_run, run_uri};
use crate::sagemaker::{tuned_hyperparameter, tuning_job_request, JobState, TrainingJob, TuningJob, TuningTrial};
use mlpipe_core::job::Job;
use mlpipe_core::layout::RunLayout;
use mlpipe_core::steps::write_best;
use mlpipe_core::tune::plot::tuning_plot;
use mlpipe_core::tune::record::{TrialRecord, TrialStatus};
use mlpipe_core::tune::store::{load_trials, save_trials};
use mlpipe_core::{Error, Result};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// Tunes every model of the run on SageMaker; returns the run.
///
/// # Errors
/// No search space, an invalid request (before anything is sent), a tuning job that fails or is
/// stopped (its trials are recorded first), no best training job, or artifacts that cannot be
/// fetched.
pub(super) fn tune(ctx: &StepContext) -> Result<Option<u64>> {
    let (invocation, job, client, say) = (ctx.invocation, ctx.job, ctx.client.as_ref(), ctx.say);
    let settings = &job.settings;
    if !settings.is_tuning() {
        return Err(Error::Unsupported {
            what: format!(
                "tune: {}: [tuning] names no training key to search (e.g. learning_rate = 1e-5 -> 1e-3 log)",
                settings.path.display()
            ),
        });
    }
    let run = open_run(invocation, job, client.is_some())?;
    let run_uri = run_uri(job, &run);
    let mut records = match client {
        Some(_) => load_trials(job, &run)?,
        None => Vec::new(),
    };
    for model in &settings.experiment.model_names {
        let spec = model_spec(&ctx.experiment_uri, &run_uri, &run, model, ctx.now);
        let request = tuning_job_request(settings, &spec).map_err(aws)?;
        let Some(client) = validated_client::<TuningJob>(&request, client, say)? else { continue };
        let name = request.hyper_parameter_tuning_job_name.clone();
        client.create_job::<TuningJob>(&request).map_err(aws)?;
        let tuning = &settings.tuning;
        say(&format!(
            "tune: {model}: SageMaker tuning job {name} started (run {}: {} search, {} at a time)",
            run.num(),
            tuning.strategy,
            tuning.max_parallel_jobs
        ));
        let waited = client.wait_job_or_stop::<TuningJob>(&name, &mut |status| say(&format!("sagemaker: {status}")));
        // The trials are recorded whatever the outcome, so a failed or interrupted search leaves
        // what it tried; the wait's error is the one reported.
        let listed = client.list_tuning_trials(&name);
        if let Ok(trials) = &listed {
            replace_model_records(&mut records, model, trial_records(job, model, trials));
            save_trials(job, &run, &records)?;
        }
        let status = waited.map_err(aws)?;
        listed.map_err(aws)?;
        let best = status.best.ok_or_else(|| Error::Cloud {
            what: format!(
                "SageMaker tuning job {name} finished without a best training job: no trial reported {}",
                settings.training_for(model).objective_metric
            ),
        })?;
        let record =
            records.iter().find(|r| &r.model == model && r.job == best.job).cloned().ok_or_else(|| Error::Cloud {
                what: format!("the best training job {} is not among the training jobs of {name}", best.job),
            })?;
        let trained = client.describe_job::<TrainingJob>(&best.job).map_err(aws)?;
        let artifacts = trained.model_artifacts.ok_or_else(|| Error::Cloud {
            what: format!("SageMaker training job {} completed without model artifacts", best.job),
        })?;
        let files = fetch_model(job, &run, model, &artifacts)?;
        let mine: Vec<TrialRecord> = records.iter().filter(|r| &r.model == model).cloned().collect();
        write_plot(job, &run, model, &mine)?;
        write_best(job, &run, &record)?;
        let params: Vec<String> = record.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        say(&format!(
            "tune: {model}: best trial {} of {} ({}): {} = {:.4}; {files} files from {artifacts} in {}",
            record.trial,
            mine.len(),
            params.join(", "),
            record.objective_metric,
            record.objective.unwrap_or(f64::NAN),
            job.storage.uri(&run.training_dir(model)?)
        ));
    }
    Ok(Some(run.num()))
}

/// `records` with `model`'s records replaced by `mine` (other models keep theirs and their place).
fn replace_model_records(records: &mut Vec<TrialRecord>, model: &str, mine: Vec<TrialRecord>) {
    records.retain(|r| r.model != model);
    records.extend(mine);
}

/// The tuning job's training jobs as trial records of `model`, numbered from 1 in the order given
/// (creation order). SageMaker reports neither the best epoch nor the epochs run: a completed
/// trial counts its configured epochs (the tuned value when `epochs` is tuned), any other none.
fn trial_records(job: &Job, model: &str, trials: &[TuningTrial]) -> Vec<TrialRecord> {
    let training = job.settings.training_for(model);
    let metric = training.objective_metric.to_string();
    let prefix = tuned_hyperparameter(model, "");
    trials
        .iter()
        .zip(1u32..)
        .map(|(trial, number)| {
            let parameters: BTreeMap<String, String> = trial
                .parameters
                .iter()
                .map(|(name, value)| (name.strip_prefix(&prefix).unwrap_or(name).to_string(), value.clone()))
                .collect();
            let status = match trial.state {
                JobState::Completed => TrialStatus::Completed,
                JobState::Stopped => TrialStatus::Stopped,
                JobState::Failed => TrialStatus::Failed,
                JobState::InProgress | JobState::Stopping | JobState::Other(_) => TrialStatus::Running,
            };
            let epochs = parameters.get("epochs").and_then(|e| e.parse().ok()).unwrap_or(u64::from(training.epochs));
            let started = trial.started.or(trial.created);
            let finished = trial.ended.filter(|_| status.is_final());
            let duration = match (started, finished) {
                (Some(start), Some(end)) => end.duration_since(start).map_or(0.0, |d| d.as_secs_f64()),
                _ => 0.0,
            };
            TrialRecord {
                model: model.to_string(),
                trial: number,
                parameters,
                status,
                objective_metric: metric.clone(),
                objective: trial.objective,
                best_epoch: None,
                epochs_run: if status == TrialStatus::Completed { epochs } else { 0 },
                duration_seconds: duration,
                started: started.map(rfc3339).unwrap_or_default(),
                finished: finished.map(rfc3339),
                job: trial.job.clone(),
                error: trial.failure_reason.clone(),
            }
        })
        .collect()
}

fn rfc3339(time: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(time).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The objective of every trial of `model` against its number, as the local tuner plots it.
fn write_plot(job: &Job, run: &RunLayout, model: &str, records: &[TrialRecord]) -> Result<()> {
    let maximize = job.settings.training_for(model).objective_metric.maximize();
    let scratch = mlpipe_core::scratch::scratch("mlpipe-sagemaker-tune")?;
    let plot = scratch.path().join(mlpipe_core::layout::tuning_plot_scratch(model));
    let drawn = tuning_plot(&plot, model, records, maximize).map_err(|err| Error::Internal { what: err.to_string() });
    drawn.and_then(|()| Ok(job.storage.put_file(&run.tuning_plot(model)?, &plot)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_core::settings::Settings;
    use std::time::{Duration, UNIX_EPOCH};

    fn job(dir: &std::path::Path) -> Job {
        let text = format!(
            "[experiment]\nname = news\nroot = {}\nmodel_names = bert\n[training]\nepochs = 4\n\
             [tuning]\nlearning_rate = 1e-5 -> 1e-3 log\nbatch_size = 16, 32\n",
            dir.display()
        );
        let settings = Settings::parse(&text, &dir.join("settings.ini"), &[]).unwrap();
        Job::open(settings).unwrap()
    }

    fn at(secs: u64) -> Option<SystemTime> {
        Some(UNIX_EPOCH + Duration::from_secs(secs))
    }

    fn trial(job: &str, state: JobState, objective: Option<f64>) -> TuningTrial {
        TuningTrial {
            job: job.into(),
            state,
            parameters: BTreeMap::from([
                ("training.bert.learning_rate".to_string(), "0.0001".to_string()),
                ("training.bert.batch_size".to_string(), "32".to_string()),
            ]),
            objective,
            created: at(1_709_210_100),
            started: at(1_709_210_160),
            ended: at(1_709_210_460),
            failure_reason: None,
        }
    }

    #[test]
    fn trials_become_numbered_records_under_training_keys() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(dir.path());
        let mut failed = trial("t-002-bb", JobState::Failed, None);
        failed.failure_reason = Some("AlgorithmError: boom".into());
        let running = TuningTrial { ended: None, ..trial("t-003-cc", JobState::InProgress, None) };
        let trials = [trial("t-001-aa", JobState::Completed, Some(0.81)), failed, running];
        let records = trial_records(&job, "bert", &trials);
        let first = &records[0];
        assert_eq!((first.trial, first.job.as_str(), first.status), (1, "t-001-aa", TrialStatus::Completed));
        let keys: Vec<&str> = first.parameters.keys().map(String::as_str).collect();
        assert_eq!(keys, ["batch_size", "learning_rate"]);
        assert_eq!((first.objective, first.objective_metric.as_str()), (Some(0.81), "validation:macro_f1"));
        assert_eq!((first.epochs_run, first.duration_seconds), (4, 300.0));
        // `date -u -d @1709210160 -Iseconds` → 2024-02-29T12:36:00+00:00.
        assert_eq!(first.started, "2024-02-29T12:36:00Z");
        assert_eq!(first.finished.as_deref(), Some("2024-02-29T12:41:00Z"));
        let second = &records[1];
        assert_eq!((second.trial, second.status, second.epochs_run), (2, TrialStatus::Failed, 0));
        assert_eq!(second.error.as_deref(), Some("AlgorithmError: boom"));
        let third = &records[2];
        assert_eq!((third.trial, third.status, third.finished.as_deref()), (3, TrialStatus::Running, None));
    }

    #[test]
    fn a_models_records_are_replaced_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(dir.path());
        let mut records = trial_records(&job, "bert", &[trial("t-001-aa", JobState::InProgress, None)]);
        records[0].model = "minilm".into();
        let update = trial_records(&job, "bert", &[trial("t-001-aa", JobState::Completed, Some(0.5))]);
        replace_model_records(&mut records, "bert", update);
        let models: Vec<(&str, TrialStatus)> = records.iter().map(|r| (r.model.as_str(), r.status)).collect();
        assert_eq!(models, [("minilm", TrialStatus::Running), ("bert", TrialStatus::Completed)]);
    }

    #[test]
    fn best_json_maps_each_model_to_its_best_record() {
        let dir = tempfile::tempdir().unwrap();
        let job = job(dir.path());
        let run = job.layout.run(1);
        let record = trial_records(&job, "bert", &[trial("t-001-aa", JobState::Completed, Some(0.81))]).remove(0);
        write_best(&job, &run, &record).unwrap();
        let mut other = record.clone();
        other.model = "minilm".into();
        write_best(&job, &run, &other).unwrap();
        let all: BTreeMap<String, TrialRecord> =
            serde_json::from_slice(&job.storage.get(&run.tuning_best()).unwrap()).unwrap();
        assert_eq!(all.keys().map(String::as_str).collect::<Vec<_>>(), ["bert", "minilm"]);
        assert_eq!(all["bert"], record);
    }
}
