//! Reading a run's own files back for browsing, leniently: `manifest.toml`, `claim.toml` and the
//! inference `summary.json`s. A missing file is [`Found::Missing`] (a run still being written); a
//! file that does not parse is [`Found::Unreadable`] with a one-line warning naming it, so one bad
//! file never hides the other runs. Only storage failures are errors. The run's status follows
//! from what reading its manifest gave.
//!
//! The manifest is the writer's own [`RunManifest`], which reads leniently: every field may be
//! missing, so manifests from older versions and hand edits still show.

use super::status::RunStatus;
use crate::job::Job;
use crate::run_manifest::RunManifest;
use crate::storage::StorageError;
use crate::Result;
use serde::de::DeserializeOwned;
use serde::Deserialize;

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

/// The object at `key`, `None` when there is none.
fn bytes(job: &Job, key: &str) -> Result<Option<Vec<u8>>> {
    match job.storage.get(key) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Reads and parses the object at `key` with `parse`; `what` names the file kind in warnings.
pub(crate) fn parsed<T>(
    job: &Job,
    key: &str,
    what: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Found<T>> {
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
pub(crate) fn manifest(job: &Job, num: u64) -> Result<Found<RunManifest>> {
    toml_file(job, &job.layout.run(num).manifest(), "run manifest")
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
) -> Result<(Option<RunManifest>, RunStatus)> {
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
