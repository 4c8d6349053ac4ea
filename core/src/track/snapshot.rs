//! What the tracker shows of a run, read from the run folder (the source of truth): per model an
//! MLflow run keyed `<experiment>/<run>/<model>` with the run manifest as tags, the resolved
//! hyperparameters of the settings snapshot as params, `metrics.jsonl` plus the test scores as
//! metrics, and the model's files, curves, inference results and report as artifacts; per tuning
//! trial a child run keyed `<experiment>/<run>/<model>/trial-<n>`.

use crate::job::Job;
use crate::layout::{tracking, RunLayout};
use crate::run_manifest::RunManifest;
use crate::tune::record::TrialRecord;
use crate::{Error, Result};
use mlpipe_tracking::{Metric, RunSnapshot, RunSpec, RunStatus};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A snapshot with its artifact files staged in a temporary folder (deleted on drop).
pub struct Staged {
    /// The run as MLflow should show it.
    pub snapshot: RunSnapshot,
    _files: tempfile::TempDir,
}

/// The identity of a model's MLflow run: its key, creation spec and params.
pub struct Identity {
    /// The run's key (see [`run_key`]).
    pub key: String,
    /// How the run is created: name, tags, parent, start.
    pub spec: RunSpec,
    /// The run's params: its settings as `section.key` pairs.
    pub params: Vec<(String, String)>,
}

/// The identity of a model's MLflow run (no metrics, no artifacts), from the run's manifest and
/// settings snapshot.
///
/// # Errors
/// Storage failures; a manifest or settings snapshot that cannot be read.
pub fn identity(job: &Job, run: &RunLayout, model: &str) -> Result<Identity> {
    let manifest = RunManifest::load(job, run)?;
    let job_type = manifest.job_type.clone();
    let start_ms = parse_ms(&manifest.started).unwrap_or(0);
    let experiment = &job.settings.experiment.name;
    let mut tags = vec![
        ("mlpipe.experiment".to_string(), experiment.clone()),
        ("mlpipe.run_num".to_string(), run.num().to_string()),
        ("mlpipe.model".to_string(), model.to_string()),
        ("mlpipe.job_type".to_string(), job_type.clone()),
        ("mlpipe.run_uri".to_string(), job.storage.uri(&run.prefix())),
        ("mlpipe.plugin_sha256".to_string(), manifest.plugin_sha256.clone()),
        ("mlpipe.data_records_sha256".to_string(), manifest.data_records_sha256.clone()),
        ("mlpipe.prepared_inputs_sha256".to_string(), manifest.prepared_inputs_sha256.clone()),
        ("mlpipe.version".to_string(), manifest.mlpipe_version.clone()),
        ("mlpipe.torch".to_string(), manifest.torch.clone()),
        ("mlflow.source.name".to_string(), manifest.plugin_file.clone()),
        ("mlflow.source.type".to_string(), "LOCAL".to_string()),
    ];
    if let Some(world) = manifest.world_size {
        tags.push(("mlpipe.world_size".to_string(), world.to_string()));
    }
    let name = match run.trial_name() {
        Some(trial) => format!("{experiment} #{} {model} {trial}", run.num()),
        None => format!("{experiment} #{} {model}", run.num()),
    };
    let spec = RunSpec { run_name: name, tags, parent_run_id: None, start_ms };
    let settings = String::from_utf8_lossy(&job.storage.get(&run.settings())?).into_owned();
    let params = params(&settings, model, job_type == "tuning" && !run.is_trial());
    Ok(Identity { key: run_key(job, run, model), spec, params })
}

/// The key of a model's MLflow run (or of a trial's, for a trial layout).
pub fn run_key(job: &Job, run: &RunLayout, model: &str) -> String {
    tracking::tracker_key(&job.settings.experiment.name, run, model)
}

/// Everything the folder holds about `model` in `run` (a trial layout for a trial, with `trial`
/// its record and `parent` the tuning run's MLflow id).
///
/// # Errors
/// Storage failures, unreadable manifests or metric logs.
pub fn snapshot(
    job: &Job,
    run: &RunLayout,
    model: &str,
    trial: Option<&TrialRecord>,
    parent: Option<String>,
) -> Result<Staged> {
    let Identity { key, mut spec, mut params } = identity(job, run, model)?;
    spec.parent_run_id = parent;
    let manifest = RunManifest::load(job, run)?;
    // The model's own span when its training recorded one (a comparison run trains its models
    // one after the other), else the run's.
    let span = model_span(job, run, model)?;
    if let Some((start, _)) = span {
        spec.start_ms = start;
    }
    let end = |fallback: &str| span.map(|(_, end)| end).or_else(|| parse_ms(fallback)).unwrap_or(spec.start_ms);
    let finished = manifest.finished.as_deref().unwrap_or_default();
    let mut status = match manifest.status.as_str() {
        "finished" => Some((RunStatus::Finished, end(finished))),
        "failed" => Some((RunStatus::Failed, end(finished))),
        _ => None,
    };
    if let Some(record) = trial {
        spec.tags.push(("mlpipe.trial".to_string(), record.trial.to_string()));
        spec.tags.push(("mlpipe.trial_status".to_string(), format!("{:?}", record.status).to_lowercase()));
        for (name, value) in &record.parameters {
            params.retain(|(key, _)| key != &format!("training.{name}"));
            params.push((format!("training.{name}"), value.clone()));
        }
        params.sort();
        let end = record.finished.as_deref().and_then(parse_ms).unwrap_or(spec.start_ms);
        status = match record.status {
            crate::tune::record::TrialStatus::Running => None,
            crate::tune::record::TrialStatus::Failed => Some((RunStatus::Failed, end)),
            _ => Some((RunStatus::Finished, end)),
        };
    }
    let mut metrics = Vec::new();
    let metrics_key = run.metrics(model)?;
    if job.storage.exists(&metrics_key)? {
        let text = String::from_utf8_lossy(&job.storage.get(&metrics_key)?).into_owned();
        metrics = parse_metrics(&text, spec.start_ms, &job.storage.uri(&metrics_key))?;
    }
    let summary_key = run.summary(model)?;
    if !run.is_trial() && job.storage.exists(&summary_key)? {
        let summary: serde_json::Value = serde_json::from_slice(&job.storage.get(&summary_key)?)
            .map_err(|err| Error::data_file(job.storage.uri(&summary_key), err))?;
        let step = metrics.iter().map(|m| m.step).max().unwrap_or(0);
        for name in ["accuracy", "macro_f1", "weighted_f1", "expected_calibration_error"] {
            if let Some(value) = summary.get(name).and_then(serde_json::Value::as_f64) {
                metrics.push(Metric { key: format!("test:{name}"), value, timestamp_ms: spec.start_ms, step });
            }
        }
    }
    let files = tempfile::tempdir().map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
    let mut artifacts = Vec::new();
    for (key, path) in artifact_keys(job, run, model)? {
        let local: PathBuf = files.path().join(artifacts.len().to_string());
        job.storage.get_file(&key, &local)?;
        artifacts.push((path, local));
    }
    let snapshot = RunSnapshot { key, spec, params, metrics, artifacts, status };
    Ok(Staged { snapshot, _files: files })
}

/// The run folder's files shown as artifacts of `model`'s MLflow run, with their artifact paths.
fn artifact_keys(job: &Job, run: &RunLayout, model: &str) -> Result<Vec<(String, String)>> {
    let mut keys = Vec::new();
    for tree in tracking::artifact_trees(run, model)? {
        for key in job.storage.list(&tree.prefix)? {
            let relative = &key[tree.prefix.len()..];
            if !tree.skip.is_empty() && relative.starts_with(tree.skip) {
                continue;
            }
            keys.push((key.clone(), format!("{}{relative}", tree.under)));
        }
    }
    if run.is_trial() {
        return Ok(keys);
    }
    for (key, path) in tracking::artifact_files(run) {
        if job.storage.exists(&key)? {
            keys.push((key, path));
        }
    }
    Ok(keys)
}

/// `metrics.jsonl` as MLflow metric points (names as written, e.g. `validation:macro_f1`).
///
/// # Errors
/// A line that is not a metric point, named by file and line.
pub fn parse_metrics(text: &str, timestamp_ms: u64, uri: &str) -> Result<Vec<Metric>> {
    #[derive(serde::Deserialize)]
    struct Point {
        step: u64,
        name: String,
        value: f64,
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let point: Point = serde_json::from_str(line)
                .map_err(|err| Error::DataFile { uri: format!("{uri}:{}", i + 1), message: err.to_string() })?;
            Ok(Metric { key: point.name, value: point.value, timestamp_ms, step: point.step })
        })
        .collect()
}

/// The resolved hyperparameters of `model` from a settings snapshot: `[training]` overlaid with
/// `[training.<model>]`, `[plugin]`, the seed, and for a tuning job `[tuning]`.
pub fn params(settings_ini: &str, model: &str, tuning: bool) -> Vec<(String, String)> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current = String::new();
    for line in settings_ini.lines().map(str::trim) {
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')) {
            current = name.trim().to_string();
        } else if let Some((key, value)) = line.split_once('=') {
            sections.entry(current.clone()).or_default().insert(key.trim().to_string(), value.trim().to_string());
        }
    }
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let section = |name: &str| sections.get(name).cloned().unwrap_or_default();
    for (key, value) in section("training").into_iter().chain(section(&format!("training.{model}"))) {
        out.insert(format!("training.{key}"), value);
    }
    for (key, value) in section("plugin") {
        out.insert(format!("plugin.{key}"), value);
    }
    if let Some(seed) = section("experiment").get("seed") {
        out.insert("experiment.seed".into(), seed.clone());
    }
    if tuning {
        for (key, value) in section("tuning") {
            out.insert(format!("tuning.{key}"), value);
        }
    }
    out.into_iter().collect()
}

/// `started` and `finished` of the model's `statistics.json`, in milliseconds, when both are there.
fn model_span(job: &Job, run: &RunLayout, model: &str) -> Result<Option<(u64, u64)>> {
    let key = run.statistics(model)?;
    if !job.storage.exists(&key)? {
        return Ok(None);
    }
    let stats: serde_json::Value =
        serde_json::from_slice(&job.storage.get(&key)?).map_err(|err| Error::data_file(job.storage.uri(&key), err))?;
    let at = |name: &str| stats.get(name).and_then(serde_json::Value::as_str).and_then(parse_ms);
    Ok(at("started").zip(at("finished")))
}

fn parse_ms(text: &str) -> Option<u64> {
    chrono::DateTime::parse_from_rfc3339(text).ok().map(|t| t.timestamp_millis().max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_overlay_the_model_section_and_skip_other_models() {
        let ini = "[experiment]\nname = x\nseed = 7\n[training]\nepochs = 3\nlearning_rate = 0.01\n\
                   [training.minilm]\nlearning_rate = 0.0001\n[training.bow]\nepochs = 9\n[plugin]\nbow_dim = 64\n\
                   [tuning]\nmax_jobs = 4\n";
        let minilm = params(ini, "minilm", false);
        assert_eq!(
            minilm,
            vec![
                ("experiment.seed".to_string(), "7".to_string()),
                ("plugin.bow_dim".to_string(), "64".to_string()),
                ("training.epochs".to_string(), "3".to_string()),
                ("training.learning_rate".to_string(), "0.0001".to_string()),
            ]
        );
        assert!(params(ini, "bow", true).contains(&("tuning.max_jobs".to_string(), "4".to_string())));
    }

    #[test]
    fn metric_lines_become_points_and_bad_lines_are_named() {
        let text = "{\"epoch\":1,\"step\":4,\"name\":\"train:loss\",\"value\":0.5}\n\n";
        let points = parse_metrics(text, 9, "m.jsonl").unwrap();
        assert_eq!(points, vec![Metric { key: "train:loss".into(), value: 0.5, timestamp_ms: 9, step: 4 }]);
        let err = parse_metrics("{\"epoch\":1}\n", 0, "m.jsonl").unwrap_err().to_string();
        assert!(err.starts_with("m.jsonl:1: "), "{err}");
    }
}
