//! Reading a run's own files back for browsing, leniently: `manifest.toml`, `claim.toml` and the
//! inference `summary.json`s. A missing file is [`Found::Missing`] (a run still being written); a
//! file that does not parse is [`Found::Unreadable`] with a one-line warning naming it, so one bad
//! file never hides the other runs. Only storage failures are errors. The run's status follows
//! from what reading its manifest gave.
//!
//! The manifest is read into its own lenient [`ManifestView`] rather than the writer's
//! `RunManifest`: every field may be missing, so manifests from older versions and hand edits
//! still show.

use super::status::RunStatus;
use crate::job::Job;
use crate::storage::StorageError;
use crate::Result;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;

/// What reading one optional file of a run gave.
pub(crate) enum Found<T> {
    /// No object at the key.
    Missing,
    /// The object exists but is not what it should be: the warning names it.
    Unreadable(String),
    /// The parsed file.
    Read(T),
}

impl<T> Found<T> {
    /// The parsed value, moving an unreadable file's warning to `warnings`.
    pub(crate) fn or_warn(self, warnings: &mut Vec<String>) -> Option<T> {
        match self {
            Found::Missing => None,
            Found::Unreadable(warning) => {
                warnings.push(warning);
                None
            }
            Found::Read(value) => Some(value),
        }
    }
}

/// A run's `manifest.toml` as browsing reads it (written by the train and tune steps). Text fields
/// are empty and numbers `None` when the manifest lacks them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ManifestView {
    /// The experiment name recorded in the manifest.
    pub experiment: String,
    /// `training`, `comparison` or `tuning`.
    pub job_type: String,
    /// `running`, `finished` or `failed`.
    pub status: String,
    /// RFC 3339 start time.
    pub started: String,
    /// RFC 3339 end time, once the run ended.
    pub finished: Option<String>,
    /// The mlpipe version that made the run.
    pub mlpipe_version: String,
    /// The tch and libtorch versions.
    pub torch: String,
    /// The plugin library, as given on the command line.
    pub plugin_file: String,
    /// The plugin library's SHA-256.
    pub plugin_sha256: String,
    /// SHA-256 of the reconciled records.
    pub data_records_sha256: String,
    /// SHA-256 of the prepared inputs.
    pub prepared_inputs_sha256: String,
    /// The models, in the settings' order.
    pub models: Vec<String>,
    /// Data-parallel replicas that trained.
    pub world_size: Option<u64>,
    /// Their communication backend, empty for a single process.
    pub dist_backend: String,
    /// Per model: the headline result, once the model finished.
    pub results: BTreeMap<String, ModelResult>,
}

/// One model's headline result from the manifest's `results.<model>` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelResult {
    /// The objective metric, e.g. `validation:macro_f1`.
    pub objective: Option<String>,
    /// The best value of the objective.
    pub best_value: Option<f64>,
    /// The epoch of the best value.
    pub best_epoch: Option<u64>,
    /// Seconds spent training.
    pub train_seconds: Option<f64>,
}

/// `claim.toml`: who took the run number, and when.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Claim {
    /// The claiming process.
    pub pid: Option<u64>,
    /// RFC 3339 time of the claim.
    pub created: Option<String>,
}

/// The headline scores of one model's `inference/<model>/summary.json`.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct TestScores {
    /// Share of test records predicted right.
    pub accuracy: f64,
    /// F1 averaged over labels with equal weight.
    pub macro_f1: f64,
    /// F1 averaged over labels weighted by their support.
    pub weighted_f1: f64,
}

/// The manifest as written: `results` values are strings (`best_value = "0.904273"`), but numbers
/// are accepted too.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawManifest {
    experiment: String,
    job_type: String,
    status: String,
    started: String,
    finished: Option<String>,
    mlpipe_version: String,
    torch: String,
    plugin_file: String,
    plugin_sha256: String,
    data_records_sha256: String,
    prepared_inputs_sha256: String,
    models: Vec<String>,
    world_size: Option<u64>,
    dist_backend: String,
    results: BTreeMap<String, BTreeMap<String, toml::Value>>,
}

impl From<RawManifest> for ManifestView {
    fn from(raw: RawManifest) -> Self {
        let results = raw
            .results
            .into_iter()
            .map(|(model, fields)| {
                let text = |name: &str| match fields.get(name)? {
                    toml::Value::String(text) => Some(text.clone()),
                    other => Some(other.to_string()),
                };
                let result = ModelResult {
                    objective: text("objective"),
                    best_value: text("best_value").and_then(|v| v.parse().ok()),
                    best_epoch: text("best_epoch").and_then(|v| v.parse().ok()),
                    train_seconds: text("train_seconds").and_then(|v| v.parse().ok()),
                };
                (model, result)
            })
            .collect();
        ManifestView {
            experiment: raw.experiment,
            job_type: raw.job_type,
            status: raw.status,
            started: raw.started,
            finished: raw.finished,
            mlpipe_version: raw.mlpipe_version,
            torch: raw.torch,
            plugin_file: raw.plugin_file,
            plugin_sha256: raw.plugin_sha256,
            data_records_sha256: raw.data_records_sha256,
            prepared_inputs_sha256: raw.prepared_inputs_sha256,
            models: raw.models,
            world_size: raw.world_size,
            dist_backend: raw.dist_backend,
            results,
        }
    }
}

impl ManifestView {
    /// The run's models: the manifest's list, or the models with results when the list is missing.
    pub fn model_names(&self) -> Vec<String> {
        if self.models.is_empty() {
            self.results.keys().cloned().collect()
        } else {
            self.models.clone()
        }
    }
}

/// The object at `key`, `None` when there is none.
fn bytes(job: &Job, key: &str) -> Result<Option<Vec<u8>>> {
    match job.storage.get(key) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Reads and parses the object at `key` with `parse`; `what` names the file kind in warnings.
fn parsed<T>(job: &Job, key: &str, what: &str, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<Found<T>> {
    let Some(bytes) = bytes(job, key)? else {
        return Ok(Found::Missing);
    };
    let problem = match std::str::from_utf8(&bytes) {
        Ok(text) => match parse(text) {
            Ok(value) => return Ok(Found::Read(value)),
            Err(problem) => problem,
        },
        Err(err) => err.to_string(),
    };
    let problem = problem.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ");
    Ok(Found::Unreadable(format!("{}: not a readable {what}: {problem}", job.storage.uri(key))))
}

/// A TOML file at `key`.
pub(crate) fn toml_file<T: DeserializeOwned>(job: &Job, key: &str, what: &str) -> Result<Found<T>> {
    parsed(job, key, what, |text| toml::from_str(text).map_err(|err| err.message().to_string()))
}

/// A JSON file at `key`.
pub(crate) fn json_file<T: DeserializeOwned>(job: &Job, key: &str, what: &str) -> Result<Found<T>> {
    parsed(job, key, what, |text| serde_json::from_str(text).map_err(|err| err.to_string()))
}

/// The run's `manifest.toml`.
pub(crate) fn manifest(job: &Job, num: u64) -> Result<Found<ManifestView>> {
    Ok(match toml_file::<RawManifest>(job, &job.layout.run(num).manifest(), "run manifest")? {
        Found::Read(raw) => Found::Read(raw.into()),
        Found::Missing => Found::Missing,
        Found::Unreadable(warning) => Found::Unreadable(warning),
    })
}

/// The run's `manifest.toml` and the status it gives: [`RunStatus::Allocating`] while there is no
/// manifest, [`RunStatus::Unreadable`] (with its warning moved to `warnings`) when it does not parse.
///
/// # Errors
/// Storage failures reading the manifest.
pub(crate) fn manifest_and_status(
    job: &Job,
    num: u64,
    warnings: &mut Vec<String>,
) -> Result<(Option<ManifestView>, RunStatus)> {
    Ok(match manifest(job, num)? {
        Found::Read(manifest) => {
            let status = RunStatus::from_manifest(&manifest.status);
            (Some(manifest), status)
        }
        Found::Missing => (None, RunStatus::Allocating),
        Found::Unreadable(warning) => {
            warnings.push(warning);
            (None, RunStatus::Unreadable)
        }
    })
}

/// The run's `claim.toml`.
pub(crate) fn claim(job: &Job, num: u64) -> Result<Found<Claim>> {
    toml_file(job, &job.layout.run(num).claim(), "run claim")
}

/// `inference/<model>/summary.json` of run `num`; a model name that cannot be a key is a warning.
pub(crate) fn test_scores(job: &Job, num: u64, model: &str) -> Result<Found<TestScores>> {
    match job.layout.run(num).summary(model) {
        Ok(key) => json_file(job, &key, "inference summary"),
        Err(err @ StorageError::InvalidKey { .. }) => {
            Ok(Found::Unreadable(format!("run {num}: model {model:?} in the manifest: {err}")))
        }
        Err(err) => Err(err.into()),
    }
}
