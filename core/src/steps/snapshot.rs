//! What a data step does when its output already exists: refuse (the default for a step named on
//! the command line), reuse it when it was made from identical inputs (inside `all`), or replace
//! it with `--force` — after moving the old files to `archive/`, never deleting them.

use crate::data::from_toml;
use crate::job::Job;
use crate::{Error, Result};
use serde::de::DeserializeOwned;

/// Policy for an existing snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Stop with an error that says how to proceed.
    Refuse,
    /// Keep it if its manifest records the same inputs hash; refuse otherwise.
    ReuseIfSame,
    /// Archive it, then make a new one.
    Replace,
}

/// Decides whether a step runs, given the existing manifest's inputs hash (if any): `Ok(false)`
/// means "up to date, skip".
///
/// # Errors
/// [`Error::SnapshotExists`] when the policy does not allow going on.
pub fn should_run(existing: Option<&str>, inputs_sha256: &str, policy: Existing, uri: &str) -> Result<bool> {
    let Some(previous) = existing else { return Ok(true) };
    match policy {
        Existing::Replace => Ok(true),
        Existing::ReuseIfSame if previous == inputs_sha256 => Ok(false),
        Existing::ReuseIfSame => Err(Error::SnapshotExists {
            uri: uri.to_string(),
            hint: "it was made from other inputs (plugin, data or settings changed); pass --force to archive it and redo the step".into(),
        }),
        Existing::Refuse => Err(Error::SnapshotExists {
            uri: uri.to_string(),
            hint: "pass --force to replace it (the current files are moved to the experiment's archive/, not deleted)".into(),
        }),
    }
}

pub(crate) use crate::clock::timestamp;

/// Moves every object under `prefix` to a fresh `archive/<name>-<UTC time>/` folder.
///
/// # Errors
/// Storage failures; objects already copied stay in both places (nothing is lost).
pub fn archive(job: &Job, prefix: &str, name: &str) -> Result<Option<String>> {
    let keys = job.storage.list(prefix)?;
    if keys.is_empty() {
        return Ok(None);
    }
    let now = chrono::Utc::now();
    let mut attempt = 1;
    let mut target = job.layout.snapshot_archive_prefix(name, now, attempt)?;
    while !job.storage.list(&target)?.is_empty() {
        attempt += 1;
        target = job.layout.snapshot_archive_prefix(name, now, attempt)?;
    }
    for key in &keys {
        job.storage.copy(key, &format!("{target}{}", &key[prefix.len()..]))?;
    }
    for key in &keys {
        job.storage.delete(key)?;
    }
    Ok(Some(job.storage.uri(&target)))
}

/// Reads the TOML manifest at `key` if an earlier run of a step left one.
///
/// # Errors
/// Storage failures or a manifest that does not parse.
pub fn read_manifest<T: DeserializeOwned>(job: &Job, key: &str) -> Result<Option<T>> {
    if !job.storage.exists(key)? {
        return Ok(None);
    }
    from_toml(&String::from_utf8_lossy(&job.storage.get(key)?), &job.storage.uri(key)).map(Some)
}

/// Reads the manifest a step needs from the earlier step `step`.
///
/// # Errors
/// [`Error::MissingInput`] naming `step` when it is absent; otherwise as [`read_manifest`].
pub fn require_manifest<T: DeserializeOwned>(job: &Job, key: &str, step: &'static str) -> Result<T> {
    read_manifest(job, key)?.ok_or_else(|| Error::MissingInput { uri: job.storage.uri(key), step })
}
