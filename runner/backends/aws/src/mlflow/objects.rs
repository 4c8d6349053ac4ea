//! [`S3Objects`]: a managed MLflow run's artifacts (`s3://bucket/<prefix>/<experiment>/<run>/artifacts`)
//! written and read with mlpipe's S3 storage (multipart uploads, retries, the same endpoint and
//! credential settings as an `s3://` experiment root), one storage per bucket.

use crate::s3::{S3Config, S3Storage};
use mlpipe_core::storage::Storage;
use mlpipe_tracking::ArtifactObjects;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

/// Objects in S3, named by `s3://bucket/key` URIs.
pub struct S3Objects {
    region: String,
    /// The client settings; `None` reads them from the environment (as for `s3://` roots).
    config: Option<S3Config>,
    buckets: Mutex<HashMap<String, Arc<S3Storage>>>,
}

impl S3Objects {
    /// Objects in buckets of `region` (unless `AWS_REGION` or the profile says otherwise).
    pub fn new(region: &str) -> Self {
        Self { region: region.to_string(), config: None, buckets: Mutex::new(HashMap::new()) }
    }

    /// Objects reached with `config` (its region, else `region`).
    pub fn with_config(region: &str, config: S3Config) -> Self {
        Self { region: region.to_string(), config: Some(config), buckets: Mutex::new(HashMap::new()) }
    }

    /// The storage of `uri`'s bucket and the object's key in it.
    fn locate<'u>(&self, uri: &'u str) -> Result<(Arc<S3Storage>, &'u str), String> {
        let (bucket, key) = uri
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .filter(|(bucket, key)| !bucket.is_empty() && !key.is_empty())
            .ok_or_else(|| format!("{uri} is not an s3://bucket/key URI"))?;
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(storage) = buckets.get(bucket) {
            return Ok((storage.clone(), key));
        }
        let mut config = match &self.config {
            Some(config) => config.clone(),
            None => S3Config::from_env().map_err(|e| e.to_string())?,
        };
        config.region.get_or_insert_with(|| self.region.clone());
        let storage = Arc::new(S3Storage::new(bucket, "", config).map_err(|e| e.to_string())?);
        buckets.insert(bucket.to_string(), storage.clone());
        Ok((storage, key))
    }
}

impl ArtifactObjects for S3Objects {
    fn handles(&self, uri: &str) -> bool {
        uri.starts_with("s3://")
    }

    fn put(&self, uri: &str, bytes: &[u8]) -> Result<(), String> {
        let (storage, key) = self.locate(uri)?;
        storage.put(key, bytes).map_err(|e| e.to_string())
    }

    fn get(&self, uri: &str) -> Result<Vec<u8>, String> {
        let (storage, key) = self.locate(uri)?;
        storage.get(key).map_err(|e| e.to_string())
    }
}

impl fmt::Debug for S3Objects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Objects").field("region", &self.region).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bucket_and_key_uris_are_objects() {
        let objects = S3Objects::new("us-east-1");
        assert!(objects.handles("s3://b/1/r/artifacts") && !objects.handles("mlflow-artifacts:/1/r"));
        for bad in ["s3://bucket", "s3:///key", "s3://bucket/", "gs://b/k"] {
            let err = objects.put(bad, b"x").unwrap_err();
            assert!(err.contains("is not an s3://bucket/key URI"), "{bad}: {err}");
        }
    }
}
