//! The prepared-data cache: one model's prepared splits kept under a content key, the hash of what
//! `prepare` reads (the reconciled records, the plugin file, the model name, the `[plugin]`
//! options, the seed and `ordered_input_keys`), so that another run or another experiment under
//! the same storage root reuses them instead of calling the plugin again. Settings `prepare` does
//! not read (`[training]`, `[tuning]`, …) are not in the key. An entry is written files first and
//! `entry.toml` last, create-only: processes filling the same key at once leave one complete entry
//! (their files have the same bytes), never a torn one; files without `entry.toml`, or whose hash
//! differs from it, are not an entry.

use crate::data::{from_toml, to_toml, PreparedFile};
use crate::hash::{sha256_hex, InputsHash};
use crate::job::Job;
use crate::layout::PreparedCacheLayout;
use crate::settings::Settings;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `entry.toml`: what the entry holds and what it was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    pub created: String,
    pub mlpipe_version: String,
    pub model: String,
    pub records_sha256: String,
    pub plugin_sha256: String,
    pub input_keys: Vec<String>,
    /// Every input `prepare` produced with its type, in the plugin's order.
    pub inputs: Vec<(String, String)>,
    /// Mean and maximum length of the first input, over all splits.
    pub mean_length: f64,
    pub max_length: usize,
    pub files: BTreeMap<String, PreparedFile>,
}

/// One model's prepared splits: the entry and each split's single-model Parquet bytes.
#[derive(Debug)]
pub struct CachedModel {
    pub key: String,
    pub entry: CacheEntry,
    pub splits: BTreeMap<String, Vec<u8>>,
}

/// The content key of `model`'s prepared data.
pub fn content_key(
    records_sha256: &str,
    plugin_sha256: &str,
    settings: &Settings,
    model: &str,
    input_keys: &[String],
) -> String {
    let mut hash = InputsHash::new()
        .with("format", "mlpipe-prepared-cache-1")
        .with("records_sha256", records_sha256)
        .with("plugin_sha256", plugin_sha256)
        .with("model", format!("{model:?}"))
        .with("seed", settings.experiment.seed)
        .with("input_keys", format!("{input_keys:?}"));
    for (key, value) in &settings.plugin {
        hash = hash.with(&format!("plugin.{key}"), format!("{value:?}"));
    }
    hash.finish()
}

/// The complete entry at `key`, or `None` (absent, incomplete or damaged: a damaged one is
/// logged and then replaced by the caller's fresh one).
///
/// # Errors
/// Storage failures other than a missing file.
pub fn lookup(job: &Job, key: &str) -> Result<Option<CachedModel>> {
    let layout = PreparedCacheLayout::new(key)?;
    let entry_key = layout.entry();
    if !job.storage.exists(&entry_key)? {
        return Ok(None);
    }
    let uri = job.storage.uri(&entry_key);
    let entry: CacheEntry = match from_toml(&String::from_utf8_lossy(&job.storage.get(&entry_key)?), &uri) {
        Ok(entry) => entry,
        Err(err) => {
            tracing::warn!("ignoring the damaged cache entry {uri}: {err}");
            return Ok(None);
        }
    };
    let mut splits = BTreeMap::new();
    for (split, file) in &entry.files {
        let file_key = layout.split(split)?;
        let bytes = match job.storage.get(&file_key) {
            Ok(bytes) => bytes,
            Err(err) if err.is_not_found() => {
                tracing::warn!("ignoring the cache entry {uri}: {} is missing", job.storage.uri(&file_key));
                return Ok(None);
            }
            Err(err) => return Err(err.into()),
        };
        if sha256_hex(&bytes) != file.sha256 {
            tracing::warn!("ignoring the cache entry {uri}: {} differs from its hash", job.storage.uri(&file_key));
            return Ok(None);
        }
        splits.insert(split.clone(), bytes);
    }
    Ok(Some(CachedModel { key: key.to_string(), entry, splits }))
}

/// Stores `model` as the entry at its key: the split files, then `entry.toml` create-only (a
/// process that finished the same key first keeps its entry, which has the same content), or
/// replacing when `replace` (`--force`).
///
/// # Errors
/// Storage failures.
pub fn store(job: &Job, model: &CachedModel, replace: bool) -> Result<()> {
    let layout = PreparedCacheLayout::new(&model.key)?;
    for (split, bytes) in &model.splits {
        job.storage.put(&layout.split(split)?, bytes)?;
    }
    let entry_key = layout.entry();
    let text = to_toml(&model.entry, &job.storage.uri(&entry_key))?;
    if replace {
        job.storage.put(&entry_key, text.as_bytes())?;
        return Ok(());
    }
    match job.storage.put_new(&entry_key, text.as_bytes()) {
        // Another process finished this key first: its entry stands, unless it is damaged.
        Err(err) if err.is_already_exists() => {
            if lookup(job, &model.key)?.is_none() {
                job.storage.put(&entry_key, text.as_bytes())?;
            }
            Ok(())
        }
        other => Ok(other?),
    }
}
