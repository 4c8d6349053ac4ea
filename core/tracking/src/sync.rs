//! [`sync_run`]: brings an MLflow run up to date with a complete description of it
//! ([`RunSnapshot`], what mlpipe's run folder holds), sending only what MLflow lacks, so that
//! running it again sends nothing. It completes what a [`crate::BufferedTracker`] could not
//! deliver, and tracks runs made while no server was configured.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::batch::param_value;
use crate::client::MlflowClient;
use crate::data::{Metric, RunRecord, RunSpec, RunStatus};
use crate::error::TrackingError;

/// Everything known about a run: the input of [`sync_run`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunSnapshot {
    /// The run's stable identity (see [`crate::RUN_KEY_TAG`]).
    pub key: String,
    /// Name, tags, parent and start time of the MLflow run.
    pub spec: RunSpec,
    /// Its parameters.
    pub params: Vec<(String, String)>,
    /// Its whole metric history.
    pub metrics: Vec<Metric>,
    /// Its artifacts: the path under the run's artifact root, and the local file.
    pub artifacts: Vec<(String, PathBuf)>,
    /// How and when it ended, if it has.
    pub status: Option<(RunStatus, u64)>,
}

/// What [`sync_run`] sent and what MLflow already had.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// The MLflow run.
    pub run_id: String,
    /// Metric points logged.
    pub metrics_sent: usize,
    /// Metric points MLflow had (same key, step and value), or repeated in the snapshot.
    pub metrics_skipped: usize,
    /// Params logged.
    pub params_sent: usize,
    /// Params MLflow had with the same value.
    pub params_skipped: usize,
    /// Params MLflow had with another value: MLflow forbids changing them, so they are left (with
    /// a warning each).
    pub params_conflicting: usize,
    /// Tags of the spec set because MLflow lacked them or had another value.
    pub tags_sent: usize,
    /// Artifacts uploaded: missing in MLflow, or of another size.
    pub artifacts_sent: usize,
    /// Artifacts MLflow had with the same size.
    pub artifacts_skipped: usize,
    /// Whether the run's status and end time were set.
    pub status_set: bool,
}

impl SyncReport {
    /// Everything sent: points, params, tags, artifacts, and the status update; 0 when MLflow was
    /// already up to date.
    pub fn sent(&self) -> usize {
        self.metrics_sent + self.params_sent + self.tags_sent + self.artifacts_sent + usize::from(self.status_set)
    }
}

/// Brings the run keyed `run.key` in `experiment` up to date with `run`, idempotently: finds or
/// creates the run, logs params MLflow lacks, sets spec tags that differ, logs the metric points
/// whose (key, step, value) is not in MLflow's history, uploads artifacts that are missing or of
/// another size, and sets the final status if it differs. Running it twice sends nothing the
/// second time.
///
/// # Errors
/// The first failed request, or an artifact file that cannot be read; what was sent before stays
/// sent, and a rerun completes the rest.
pub fn sync_run(client: &MlflowClient, experiment: &str, run: &RunSnapshot) -> Result<SyncReport, TrackingError> {
    let experiment_id = client.get_or_create_experiment(experiment)?;
    let run_id = client.find_or_create_run(&experiment_id, &run.key, &run.spec)?;
    let record = client.get_run(&run_id)?;
    let mut report = SyncReport { run_id: run_id.clone(), ..SyncReport::default() };

    let params = missing_params(&record, &run.params, &mut report);
    let tags: Vec<_> = run.spec.all_tags().into_iter().filter(|(k, v)| record.tag(k) != Some(v.as_str())).collect();
    report.tags_sent = tags.len();
    let metrics = missing_metrics(client, &run_id, &run.metrics)?;
    report.metrics_sent = metrics.len();
    report.metrics_skipped = run.metrics.len() - metrics.len();
    client.log_batch(&run_id, &metrics, &params, &tags)?;

    sync_artifacts(client, &run_id, &run.artifacts, &mut report)?;

    if let Some((status, end_ms)) = run.status {
        if record.status != status.as_str() || record.end_ms != Some(end_ms) {
            client.set_terminated(&run_id, status, end_ms)?;
            report.status_set = true;
        }
    }
    Ok(report)
}

/// The params MLflow lacks (values cut as `log_batch` would cut them); counts the rest.
fn missing_params(record: &RunRecord, params: &[(String, String)], report: &mut SyncReport) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (key, value) in params {
        if !seen.insert(key.as_str()) {
            continue;
        }
        let value = param_value(value);
        match record.param(key) {
            None => out.push((key.clone(), value.into_owned())),
            Some(old) if old == value => report.params_skipped += 1,
            Some(old) => {
                tracing::warn!(
                    "mlflow run {}: param {key} is {old:?} in MLflow but {value:?} here; MLflow does not allow \
                     changing a param, so it is left as it is",
                    record.run_id
                );
                report.params_conflicting += 1;
            }
        }
    }
    report.params_sent = out.len();
    out
}

/// The points whose (key, step, value) is neither in MLflow's history nor earlier in `metrics`.
fn missing_metrics(client: &MlflowClient, run_id: &str, metrics: &[Metric]) -> Result<Vec<Metric>, TrackingError> {
    let mut known: HashMap<&str, HashSet<(u64, u64)>> = HashMap::new();
    let mut out = Vec::new();
    for m in metrics {
        let seen = match known.entry(m.key.as_str()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let history = client.metric_history(run_id, &m.key)?;
                e.insert(history.iter().map(|h| (h.step, value_bits(h.value))).collect())
            }
        };
        if seen.insert((m.step, value_bits(m.value))) {
            out.push(m.clone());
        }
    }
    Ok(out)
}

/// `value` as MLflow gives it back, as comparable bits: MLflow stores ±inf as ±f64::MAX, all NaNs
/// read back as one NaN, and -0.0 may come back as 0.0.
fn value_bits(value: f64) -> u64 {
    let stored = if value.is_nan() {
        f64::NAN
    } else if value.is_infinite() {
        f64::MAX.copysign(value)
    } else if value == 0.0 {
        0.0
    } else {
        value
    };
    stored.to_bits()
}

/// Uploads the artifacts MLflow lacks or holds with another size; counts the rest.
fn sync_artifacts(
    client: &MlflowClient,
    run_id: &str,
    artifacts: &[(String, PathBuf)],
    report: &mut SyncReport,
) -> Result<(), TrackingError> {
    // Remote sizes, listed once per folder.
    let mut folders: HashMap<&str, HashMap<String, Option<u64>>> = HashMap::new();
    for (path, local) in artifacts {
        let read_error = |source| TrackingError::ReadArtifact { path: local.clone(), source };
        let size = std::fs::metadata(local).map_err(read_error)?.len();
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        let remote = match folders.entry(folder) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                let listed = client.list_artifacts(run_id, folder)?;
                e.insert(listed.into_iter().filter(|(_, is_dir, _)| !is_dir).map(|(p, _, s)| (p, s)).collect())
            }
        };
        if remote.get(path.as_str()) == Some(&Some(size)) {
            report.artifacts_skipped += 1;
            continue;
        }
        let bytes = std::fs::read(local).map_err(read_error)?;
        client.upload_artifact(run_id, path, &bytes)?;
        remote.insert(path.clone(), Some(bytes.len() as u64));
        report.artifacts_sent += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_as_mlflow_stores_them() {
        assert_eq!(value_bits(f64::INFINITY), f64::MAX.to_bits());
        assert_eq!(value_bits(f64::NEG_INFINITY), (-f64::MAX).to_bits());
        assert_eq!(value_bits(-f64::NAN), value_bits(f64::NAN));
        assert_eq!(value_bits(-0.0), value_bits(0.0));
        assert_ne!(value_bits(0.1), value_bits(0.1 + f64::EPSILON));
    }

    #[test]
    fn params_already_logged_are_skipped_and_changed_ones_left() {
        let record = RunRecord {
            run_id: "r".into(),
            experiment_id: "1".into(),
            run_name: String::new(),
            status: "RUNNING".into(),
            start_ms: None,
            end_ms: None,
            artifact_uri: String::new(),
            params: vec![("lr".into(), "0.1".into()), ("bs".into(), "32".into())],
            tags: vec![],
        };
        let params = [("lr", "0.1"), ("bs", "64"), ("epochs", "3"), ("epochs", "3")].map(|(k, v)| (k.into(), v.into()));
        let mut report = SyncReport::default();
        let out = missing_params(&record, &params, &mut report);
        assert_eq!(out, [("epochs".to_string(), "3".to_string())]);
        assert_eq!((report.params_sent, report.params_skipped, report.params_conflicting), (1, 1, 1));
    }
}
