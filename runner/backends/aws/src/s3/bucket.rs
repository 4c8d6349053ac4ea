//! [`Bucket`]: the async S3 requests behind each storage method, one small function per request,
//! taking already validated keys. Every SDK error leaves here as a [`StorageError`] naming the
//! object's uri (see [`classify`]).

use std::path::Path;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::operation::get_object::GetObjectOutput;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::Client;
use mlpipe_core::storage::{validate_key, StorageError};

use super::errors::{classify, Failure};
use super::location::Location;

/// How often a create-only write is tried when S3 reports a conflicting concurrent operation
/// (409): AWS's advice is to retry, and the retry then either wins or sees the other's object.
const CONFLICT_ATTEMPTS: u32 = 4;

/// A client bound to the bucket and prefix of one storage.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    pub(crate) client: Client,
    /// Where requests go, for messages.
    pub(crate) endpoint: String,
    pub(crate) location: Location,
}

impl Bucket {
    /// What `err` means for this bucket.
    pub(crate) fn failure<E>(&self, err: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        classify(err, self.location.bucket(), &self.endpoint)
    }

    /// `err` as the storage error of a request about `key`.
    pub(crate) fn error<E>(&self, err: SdkError<E, HttpResponse>, key: &str) -> StorageError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.failure(&err).at(self.location.uri(key))
    }

    /// Whether the bucket exists and these credentials may use it.
    pub(crate) async fn check(&self) -> Result<(), Failure> {
        match self.client.head_bucket().bucket(self.location.bucket()).send().await {
            Ok(_) => Ok(()),
            // HeadBucket answers a bare 404 (no error code) for a missing bucket.
            Err(err) => Err(match self.failure(&err) {
                Failure::NotFound => Failure::Other(format!("bucket {} does not exist", self.location.bucket())),
                other => other,
            }),
        }
    }

    /// Starts downloading the object at `key`.
    pub(crate) async fn get_object(&self, key: &str) -> Result<GetObjectOutput, StorageError> {
        let request = self.client.get_object().bucket(self.location.bucket()).key(self.location.object_key(key));
        request.send().await.map_err(|e| self.error(e, key))
    }

    /// The whole object at `key`.
    pub(crate) async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let output = self.get_object(key).await?;
        let body = output.body.collect().await.map_err(|e| StorageError::Other {
            uri: self.location.uri(key),
            message: format!("the download broke off: {}", DisplayErrorContext(e)),
        })?;
        Ok(body.into_bytes().to_vec())
    }

    /// Writes `body` at `key`; with `create_only`, only if no object is there (`If-None-Match: *`,
    /// which S3 evaluates atomically with the write).
    pub(crate) async fn put(&self, key: &str, body: &[u8], create_only: bool) -> Result<(), StorageError> {
        let mut attempt = 1;
        loop {
            let request = self
                .client
                .put_object()
                .bucket(self.location.bucket())
                .key(self.location.object_key(key))
                .body(ByteStream::from(body.to_vec()))
                .set_if_none_match(create_only.then(|| "*".to_owned()));
            let err = match request.send().await {
                Ok(_) => return Ok(()),
                Err(err) => err,
            };
            match self.failure(&err) {
                Failure::Conflict if attempt < CONFLICT_ATTEMPTS => {
                    tokio::time::sleep(Duration::from_millis(50 << attempt)).await;
                    attempt += 1;
                }
                // Still conflicting: another writer keeps the key busy, so it is as good as taken
                // (run allocation then moves on to the next number).
                Failure::Conflict if create_only => return Err(Failure::PreconditionFailed.at(self.location.uri(key))),
                failure => return Err(failure.at(self.location.uri(key))),
            }
        }
    }

    /// Uploads the local file `local` in one request, streaming it.
    pub(crate) async fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        let body = ByteStream::from_path(local)
            .await
            .map_err(|e| StorageError::Io { uri: local.display().to_string(), source: e.into() })?;
        let request =
            self.client.put_object().bucket(self.location.bucket()).key(self.location.object_key(key)).body(body);
        request.send().await.map(drop).map_err(|e| self.error(e, key))
    }

    /// Whether an object is at `key`.
    pub(crate) async fn exists(&self, key: &str) -> Result<bool, StorageError> {
        let request = self.client.head_object().bucket(self.location.bucket()).key(self.location.object_key(key));
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) => match self.failure(&err) {
                Failure::NotFound => Ok(false),
                failure => Err(failure.at(self.location.uri(key))),
            },
        }
    }

    /// Every storage key under `prefix`, sorted, one `ListObjectsV2` page after another.
    pub(crate) async fn list(&self, prefix: &str, page_size: Option<i32>) -> Result<Vec<String>, StorageError> {
        Ok(self.list_sizes(prefix, page_size).await?.into_iter().map(|(key, _)| key).collect())
    }

    /// Every key under `prefix` with its object's size, as `ListObjectsV2` reports them, sorted.
    pub(crate) async fn list_sizes(
        &self,
        prefix: &str,
        page_size: Option<i32>,
    ) -> Result<Vec<(String, u64)>, StorageError> {
        let object_prefix = self.location.object_key(prefix);
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let request = self
                .client
                .list_objects_v2()
                .bucket(self.location.bucket())
                .prefix(&object_prefix)
                .set_max_keys(page_size)
                .set_continuation_token(token.take());
            let page = request.send().await.map_err(|e| self.error(e, prefix))?;
            for object in page.contents() {
                let Some(object_key) = object.key() else { continue };
                let size = u64::try_from(object.size().unwrap_or(0)).unwrap_or(0);
                match self.location.storage_key(object_key).filter(|key| validate_key(key).is_ok()) {
                    Some(key) => keys.push((key.to_owned(), size)),
                    // Written by other tools: `dir/` folder markers, `a//b`.
                    None => tracing::warn!(object = object_key, "skipping an object that has no valid key"),
                }
            }
            token = page.next_continuation_token().map(str::to_owned);
            if token.is_none() || page.is_truncated() == Some(false) {
                break;
            }
        }
        // S3 lists in UTF-8 byte order already; sorting keeps the promise for any compatible server.
        keys.sort();
        Ok(keys)
    }

    /// Removes the object at `key`; S3 answers success for a missing one.
    pub(crate) async fn delete(&self, key: &str) -> Result<(), StorageError> {
        let request = self.client.delete_object().bucket(self.location.bucket()).key(self.location.object_key(key));
        request.send().await.map(drop).map_err(|e| self.error(e, key))
    }

    /// Copies `from` to `to` inside S3, without downloading.
    pub(crate) async fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let request = self
            .client
            .copy_object()
            .bucket(self.location.bucket())
            .key(self.location.object_key(to))
            .copy_source(self.location.copy_source(from));
        request.send().await.map(drop).map_err(|e| match self.failure(&e) {
            // A missing source is the interesting case; other failures concern the target.
            Failure::NotFound => StorageError::NotFound { uri: self.location.uri(from) },
            failure => failure.at(self.location.uri(to)),
        })
    }
}
