//! [`MlflowClient`]: MLflow's tracking REST API (experiments, runs, params, metrics, tags,
//! status), one blocking request per call and no retries: retrying is the caller's policy
//! ([`crate::BufferedTracker`] retries; [`crate::sync_run`] is rerun). Artifacts are in
//! `artifacts.rs`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::access::{ArtifactObjects, RequestSigner};

use crate::batch::{self, chunks};
use crate::data::{Metric, RunRecord, RunSpec, RunStatus, RUN_KEY_TAG};
use crate::error::TrackingError;
use crate::http::Http;
use crate::wire::{
    CreateExperimentAnswer, Empty, ExperimentAnswer, KeyValue, MetricHistoryAnswer, RunAnswer, SearchRunsAnswer,
    WireMetric,
};

/// The most metric points `metrics/get-history` returns per page (MLflow's own cap).
const HISTORY_PAGE: usize = 25_000;

/// A client of one MLflow tracking server, over its REST API.
///
/// Cheap to clone: clones share the connection pool.
#[derive(Debug, Clone)]
pub struct MlflowClient {
    pub(crate) http: Http,
    history_page: usize,
    /// The store of runs whose artifact URI is not the server's proxy (S3 for SageMaker).
    pub(crate) objects: Option<Arc<dyn ArtifactObjects>>,
}

impl MlflowClient {
    /// A client of the server at `uri` (e.g. `http://127.0.0.1:5000`); each request gives up after
    /// `timeout`. Connects lazily: a server that is down shows up at the first request.
    pub fn new(uri: &str, timeout: Duration) -> Self {
        Self { http: Http::new(uri, timeout), history_page: HISTORY_PAGE, objects: None }
    }

    /// The same client, adding `headers` to every request and having `signer` authenticate it
    /// (SageMaker's managed MLflow: the server ARN header and AWS SigV4).
    pub fn with_signer(mut self, signer: Arc<dyn RequestSigner>, headers: Vec<(String, String)>) -> Self {
        self.http.authenticate(signer, headers);
        self
    }

    /// The same client, writing and reading the artifacts of runs whose artifact URI `objects`
    /// handles (e.g. `s3://…`) there directly.
    pub fn with_artifact_objects(mut self, objects: Arc<dyn ArtifactObjects>) -> Self {
        self.objects = Some(objects);
        self
    }

    /// The same client, reading metric history `page` points at a time (at most 25,000; tests use
    /// small pages to exercise paging).
    pub fn with_history_page_size(mut self, page: usize) -> Self {
        self.history_page = page.clamp(1, HISTORY_PAGE);
        self
    }

    /// The server's URI, as given to [`MlflowClient::new`] less a trailing slash.
    pub fn uri(&self) -> &str {
        self.http.uri()
    }

    /// Whether the server answers `GET /health`.
    ///
    /// # Errors
    /// The server is unreachable, slow, or answers with an error status.
    pub fn ping(&self) -> Result<(), TrackingError> {
        self.http.health()
    }

    /// The id of the experiment called `name`, created if there is none.
    ///
    /// # Errors
    /// Any failed request; a concurrent creation of the same experiment is not one.
    pub fn get_or_create_experiment(&self, name: &str) -> Result<String, TrackingError> {
        let get = || self.http.get_json::<ExperimentAnswer>("experiments/get-by-name", &[("experiment_name", name)]);
        match get() {
            Ok(answer) => return Ok(answer.experiment.experiment_id),
            Err(e) if e.error_code() == Some("RESOURCE_DOES_NOT_EXIST") => {}
            Err(e) => return Err(e),
        }
        match self.http.post_json::<CreateExperimentAnswer>("experiments/create", &json!({ "name": name })) {
            Ok(answer) => Ok(answer.experiment_id),
            // Someone else created it between our two requests.
            Err(e) if e.error_code() == Some("RESOURCE_ALREADY_EXISTS") => Ok(get()?.experiment.experiment_id),
            Err(e) => Err(e),
        }
    }

    /// Finds the active run tagged [`RUN_KEY_TAG`]` = key` in the experiment, or creates it with
    /// `spec`'s name, tags, parent (as `mlflow.parentRunId`) and start time. Returns the run id.
    ///
    /// An existing run is returned as it is: [`crate::sync_run`] brings its tags up to date.
    ///
    /// # Errors
    /// Any failed request, or a key holding both kinds of quote or a backslash (MLflow's search
    /// filter cannot quote it).
    pub fn find_or_create_run(&self, experiment_id: &str, key: &str, spec: &RunSpec) -> Result<String, TrackingError> {
        if let Some(run) = self.find_run(experiment_id, key)? {
            return Ok(run);
        }
        let mut tags = vec![KeyValue { key: RUN_KEY_TAG.into(), value: key.into() }];
        tags.extend(spec.all_tags().into_iter().map(|(key, value)| KeyValue { key, value }));
        let request = json!({
            "experiment_id": experiment_id,
            "run_name": spec.run_name,
            "start_time": spec.start_ms,
            "tags": tags,
        });
        Ok(self.http.post_json::<RunAnswer>("runs/create", &request)?.run.info.run_id)
    }

    /// The active run tagged [`RUN_KEY_TAG`]` = key` in the experiment, if any (the oldest, should
    /// two have been created concurrently).
    ///
    /// # Errors
    /// As [`MlflowClient::find_or_create_run`].
    pub fn find_run(&self, experiment_id: &str, key: &str) -> Result<Option<String>, TrackingError> {
        let quote = match (key.contains('\''), key.contains('"')) {
            _ if key.contains('\\') => None,
            (false, _) => Some('\''),
            (true, false) => Some('"'),
            (true, true) => None,
        };
        let Some(q) = quote else {
            return Err(TrackingError::InvalidInput {
                uri: self.uri().into(),
                what: "run key",
                value: key.into(),
                reason: "MLflow's search filter cannot quote a value with a backslash or both kinds of quote",
            });
        };
        let request = json!({
            "experiment_ids": [experiment_id],
            "filter": format!("tags.`{RUN_KEY_TAG}` = {q}{key}{q}"),
            "run_view_type": "ACTIVE_ONLY",
            "max_results": 10,
            "order_by": ["attributes.start_time ASC"],
        });
        let answer: SearchRunsAnswer = self.http.post_json("runs/search", &request)?;
        let record = answer.runs.into_iter().map(RunRecord::from).find(|r| r.tag(RUN_KEY_TAG) == Some(key));
        Ok(record.map(|r| r.run_id))
    }

    /// The run as MLflow holds it: status, times, artifact URI, params and tags.
    ///
    /// # Errors
    /// Any failed request; `RESOURCE_DOES_NOT_EXIST` for an unknown run.
    pub fn get_run(&self, run_id: &str) -> Result<RunRecord, TrackingError> {
        Ok(self.http.get_json::<RunAnswer>("runs/get", &[("run_id", run_id)])?.run.into())
    }

    /// Logs metrics, params and tags to the run, in as many `runs/log-batch` requests as MLflow's
    /// limits need (see [`crate::batch`]); param values longer than 6000 characters are cut.
    /// Nothing to log sends nothing.
    ///
    /// A failure part-way leaves the earlier requests' entries logged.
    ///
    /// # Errors
    /// The first failed request, e.g. `INVALID_PARAMETER_VALUE` for a param logged before with
    /// another value.
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[Metric],
        params: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<(), TrackingError> {
        for chunk in chunks(metrics, params, tags) {
            let params: Vec<_> = chunk
                .params
                .iter()
                .map(|(k, v)| {
                    let value = batch::param_value(v);
                    if value.len() < v.len() {
                        tracing::warn!("mlflow param {k}: value cut to {} characters", batch::MAX_PARAM_VALUE_CHARS);
                    }
                    KeyValue { key: k.clone(), value: value.into_owned() }
                })
                .collect();
            let tags: Vec<_> = chunk.tags.iter().map(|(k, v)| KeyValue { key: k.clone(), value: v.clone() }).collect();
            let metrics: Vec<_> = chunk.metrics.iter().map(WireMetric::from).collect();
            let request = json!({ "run_id": run_id, "metrics": metrics, "params": params, "tags": tags });
            self.http.post_json::<Empty>("runs/log-batch", &request)?;
        }
        Ok(())
    }

    /// Every point MLflow holds for metric `key` of the run, in its order, all pages read.
    ///
    /// # Errors
    /// Any failed request.
    pub fn metric_history(&self, run_id: &str, key: &str) -> Result<Vec<Metric>, TrackingError> {
        let page = self.history_page.to_string();
        let mut token = String::new();
        let mut out = Vec::new();
        loop {
            let mut query = vec![("run_id", run_id), ("metric_key", key), ("max_results", page.as_str())];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let answer: MetricHistoryAnswer = self.http.get_json("metrics/get-history", &query)?;
            out.extend(answer.metrics.into_iter().map(Metric::from));
            match answer.next_page_token {
                Some(next) if !next.is_empty() => token = next,
                _ => return Ok(out),
            }
        }
    }

    /// Ends the run: sets its status and end time.
    ///
    /// # Errors
    /// Any failed request.
    pub fn set_terminated(&self, run_id: &str, status: RunStatus, end_ms: u64) -> Result<(), TrackingError> {
        let request = json!({ "run_id": run_id, "status": status.as_str(), "end_time": end_ms });
        self.http.post_json::<serde_json::Value>("runs/update", &request).map(drop)
    }
}
