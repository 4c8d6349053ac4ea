//! [`PreparedCacheLayout`]: the keys of the prepared-data cache, shared by every experiment under
//! one storage root: `.mlpipe-cache/prepared/<key>/`, one entry per (records, plugin, model,
//! options, inputs) content key. Experiment names cannot start with `.`, so the folder never
//! collides with an experiment's.

use crate::storage::{validate_segment, StorageError};

/// The root-level folder of mlpipe's caches.
pub const CACHE_DIR: &str = ".mlpipe-cache";

/// The keys of one cache entry of prepared data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedCacheLayout {
    key: String,
}

impl PreparedCacheLayout {
    /// The entry for content key `key` (a hex digest).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `key` is not a single key segment.
    pub fn new(key: &str) -> Result<Self, StorageError> {
        validate_segment(key, "cache key")?;
        Ok(Self { key: key.to_owned() })
    }

    /// `.mlpipe-cache/prepared/`: every entry (what to delete to clear the cache).
    pub fn all() -> String {
        format!("{CACHE_DIR}/prepared/")
    }

    /// `.mlpipe-cache/prepared/<key>/`: the entry's files.
    pub fn prefix(&self) -> String {
        format!("{CACHE_DIR}/prepared/{}/", self.key)
    }

    /// `.mlpipe-cache/prepared/<key>/entry.toml`: written last, create-only; an entry without it
    /// is incomplete and ignored.
    pub fn entry(&self) -> String {
        format!("{}entry.toml", self.prefix())
    }

    /// `.mlpipe-cache/prepared/<key>/<split>.parquet`: the model's inputs for one split (`id`,
    /// `label`, then the inputs under their own names).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `split` is not a single key segment.
    pub fn split(&self, split: &str) -> Result<String, StorageError> {
        validate_segment(split, "split")?;
        Ok(format!("{}{split}.parquet", self.prefix()))
    }
}
