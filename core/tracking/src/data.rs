//! The plain data callers hand in: a [`Metric`] point, a [`RunSpec`] describing a run to create, a
//! terminal [`RunStatus`], and what [`crate::MlflowClient::get_run`] reads back ([`RunRecord`]).
//! Nothing here knows mlpipe's run folders or MLflow's JSON.

/// The tag that identifies a run across retries and syncs: `find_or_create_run` looks runs up by it.
pub const RUN_KEY_TAG: &str = "mlpipe.run_key";
/// MLflow's tag naming a nested run's parent; the UI shows children under it.
pub const PARENT_RUN_TAG: &str = "mlflow.parentRunId";

/// One point of a metric's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// The metric's name, e.g. `train/loss`.
    pub key: String,
    /// The value; NaN and infinities are sent as MLflow expects them (it stores ±inf as ±f64::MAX).
    pub value: f64,
    /// When it was measured, in milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The training step it belongs to.
    pub step: u64,
}

/// What a run is created with.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunSpec {
    /// The name the MLflow UI shows.
    pub run_name: String,
    /// Tags set at creation (and kept up to date by [`crate::sync_run`]).
    pub tags: Vec<(String, String)>,
    /// The parent run's id, for a nested run (a trial of a sweep); becomes [`PARENT_RUN_TAG`].
    pub parent_run_id: Option<String>,
    /// When the run started, in milliseconds since the Unix epoch.
    pub start_ms: u64,
}

impl RunSpec {
    /// The tags MLflow should hold for this spec: [`RunSpec::tags`], then the parent tag.
    pub(crate) fn all_tags(&self) -> Vec<(String, String)> {
        let mut tags = self.tags.clone();
        if let Some(parent) = &self.parent_run_id {
            tags.push((PARENT_RUN_TAG.to_string(), parent.clone()));
        }
        tags
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    /// It ran to the end.
    Finished,
    /// It stopped on an error.
    Failed,
    /// It was stopped from outside (a signal, a cancelled job).
    Killed,
}

impl RunStatus {
    /// MLflow's name for it: `FINISHED`, `FAILED` or `KILLED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Finished => "FINISHED",
            Self::Failed => "FAILED",
            Self::Killed => "KILLED",
        }
    }
}

/// A run as MLflow holds it (`runs/get`), less its metrics (see `metric_history`).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    /// The run's id.
    pub run_id: String,
    /// The experiment it belongs to.
    pub experiment_id: String,
    /// The name the UI shows.
    pub run_name: String,
    /// MLflow's status: `RUNNING`, `SCHEDULED`, `FINISHED`, `FAILED` or `KILLED`.
    pub status: String,
    /// When it started, in milliseconds since the Unix epoch.
    pub start_ms: Option<u64>,
    /// When it ended, once it has.
    pub end_ms: Option<u64>,
    /// Where its artifacts live, e.g. `mlflow-artifacts:/1/<run_id>/artifacts`.
    pub artifact_uri: String,
    /// Its parameters, in MLflow's order.
    pub params: Vec<(String, String)>,
    /// Its tags, MLflow's own (`mlflow.runName`...) included.
    pub tags: Vec<(String, String)>,
}

impl RunRecord {
    /// The value of parameter `key`, if logged.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The value of tag `key`, if set.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}
