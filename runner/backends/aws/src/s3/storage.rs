//! [`S3Storage`]: the [`Storage`] trait on an S3 bucket and key prefix. Each method validates its
//! keys, then blocks on the storage's own runtime while [`Bucket`] makes the requests. S3 gives
//! the trait's guarantees directly: a PUT (single or multipart) is atomic, and a conditional PUT
//! (`If-None-Match: *`) has exactly one winner among concurrent writers.

use std::fmt;
use std::path::{Path, PathBuf};

use mlpipe_core::storage::{validate_key, validate_prefix, Storage, StorageError};

use super::bucket::Bucket;
use super::client::connect;
use super::location::Location;
use super::runtime::BlockingRuntime;
use super::{download, multipart, S3Config};

/// Objects under `s3://bucket/prefix`.
pub struct S3Storage {
    bucket: Bucket,
    config: S3Config,
    // Last: the client's connections live on this runtime, so it goes after them.
    runtime: BlockingRuntime,
}

impl S3Storage {
    /// A storage over `s3://bucket/prefix` (the prefix may be empty), talking to S3 as `config`
    /// says. Makes no request: see [`S3Storage::check_bucket`].
    ///
    /// # Errors
    /// [`StorageError::Io`] when the runtime's threads cannot be started.
    pub fn new(bucket: &str, prefix: &str, config: S3Config) -> Result<Self, StorageError> {
        let location = Location::new(bucket, prefix);
        let runtime = BlockingRuntime::new().map_err(|source| StorageError::Io { uri: location.root_uri(), source })?;
        let connection = runtime.block_on(connect(&config));
        let bucket = Bucket { client: connection.client, endpoint: connection.endpoint, location };
        Ok(Self { bucket, config, runtime })
    }

    /// Checks that the bucket exists and that these credentials may use it, so that a wrong
    /// root fails before any work is done.
    ///
    /// # Errors
    /// [`StorageError::Other`] naming the root: a missing bucket, denied access, a bucket in
    /// another region, an unreachable endpoint.
    pub fn check_bucket(&self) -> Result<(), StorageError> {
        self.runtime.block_on(self.bucket.check()).map_err(|failure| failure.at(self.root_uri()))
    }

    /// `s3://bucket/prefix`.
    pub fn root_uri(&self) -> String {
        self.bucket.location.root_uri()
    }

    /// The settings this storage was opened with.
    pub fn config(&self) -> &S3Config {
        &self.config
    }
}

impl fmt::Debug for S3Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Storage").field("root", &self.root_uri()).field("endpoint", &self.bucket.endpoint).finish()
    }
}

impl Storage for S3Storage {
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        validate_key(key)?;
        self.runtime.block_on(self.bucket.get(key))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        validate_key(key)?;
        self.runtime.block_on(self.bucket.put(key, bytes, false))
    }

    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        validate_key(key)?;
        self.runtime.block_on(self.bucket.put(key, bytes, true))
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        validate_key(key)?;
        let local_error = |source| StorageError::Io { uri: local.display().to_string(), source };
        let len = std::fs::metadata(local).map_err(local_error)?.len();
        if len < self.config.multipart_threshold {
            return self.runtime.block_on(self.bucket.put_file(key, local));
        }
        let part_size = self.config.part_size_for(len);
        self.runtime.block_on(multipart::upload(&self.bucket, key, local, len, part_size))
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        validate_key(key)?;
        self.runtime.block_on(download::download(&self.bucket, key, local))
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        validate_key(key)?;
        self.runtime.block_on(self.bucket.exists(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        validate_prefix(prefix)?;
        self.runtime.block_on(self.bucket.list(prefix, self.config.list_page_size))
    }

    fn list_sizes(&self, prefix: &str) -> Result<Vec<(String, u64)>, StorageError> {
        validate_prefix(prefix)?;
        self.runtime.block_on(self.bucket.list_sizes(prefix, self.config.list_page_size))
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        self.runtime.block_on(self.bucket.delete(key))
    }

    fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        validate_key(from)?;
        validate_key(to)?;
        self.runtime.block_on(self.bucket.copy(from, to))
    }

    fn uri(&self, key: &str) -> String {
        self.bucket.location.uri(key)
    }

    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }
}
