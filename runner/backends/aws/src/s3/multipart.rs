//! Uploading a large local file in parts (`CreateMultipartUpload`, `UploadPart`,
//! `CompleteMultipartUpload`). Each part streams from its own slice of the file, a few at a time,
//! so memory stays small whatever the file's size. The object appears only when the upload
//! completes, which keeps the write atomic; on any failure the upload is aborted so that S3 does
//! not keep (and bill) the parts. A process killed mid-upload leaves an incomplete upload behind,
//! invisible to readers: a bucket lifecycle rule ("abort incomplete multipart uploads") removes it.

use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use mlpipe_core::storage::StorageError;
use tokio::task::JoinSet;

use super::bucket::Bucket;

/// Parts in flight at once: enough to fill a fast link, few enough to stay polite.
const CONCURRENT_PARTS: usize = 4;

/// One upload in progress.
#[derive(Debug, Clone)]
struct Upload {
    bucket: Bucket,
    key: String,
    upload_id: String,
    local: PathBuf,
}

/// Uploads `local`, `len` bytes long, as the object at `key` in parts of `part_size` bytes.
pub(crate) async fn upload(
    bucket: &Bucket,
    key: &str,
    local: &Path,
    len: u64,
    part_size: u64,
) -> Result<(), StorageError> {
    let created = bucket
        .client
        .create_multipart_upload()
        .bucket(bucket.location.bucket())
        .key(bucket.location.object_key(key))
        // Named explicitly so that the parts' checksums and the completion agree on it.
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .send()
        .await
        .map_err(|e| bucket.error(e, key))?;
    let upload_id = created.upload_id().ok_or_else(|| StorageError::Other {
        uri: bucket.location.uri(key),
        message: "s3 started a multipart upload without an upload id".into(),
    })?;
    let upload =
        Upload { bucket: bucket.clone(), key: key.to_owned(), upload_id: upload_id.to_owned(), local: local.into() };
    let result = match upload_parts(&upload, len, part_size).await {
        Ok(parts) => upload.complete(parts).await,
        Err(e) => Err(e),
    };
    if result.is_err() {
        upload.abort().await;
    }
    result
}

/// Uploads every part, [`CONCURRENT_PARTS`] at a time, and returns them in order.
async fn upload_parts(upload: &Upload, len: u64, part_size: u64) -> Result<Vec<CompletedPart>, StorageError> {
    let mut tasks = JoinSet::new();
    let result = run_parts(&mut tasks, upload, len, part_size).await;
    // After a failure the other parts must have stopped before the upload is aborted, or one of
    // them could still land afterwards and be kept.
    tasks.shutdown().await;
    result
}

async fn run_parts(
    tasks: &mut JoinSet<Result<CompletedPart, StorageError>>,
    upload: &Upload,
    len: u64,
    part_size: u64,
) -> Result<Vec<CompletedPart>, StorageError> {
    let mut parts = Vec::new();
    let offsets = (0..len.max(1)).step_by(usize::try_from(part_size).unwrap_or(usize::MAX));
    for (number, offset) in (1..).zip(offsets) {
        if tasks.len() >= CONCURRENT_PARTS {
            parts.push(upload.joined(tasks.join_next().await)?);
        }
        let upload = upload.clone();
        tasks.spawn(async move { upload.part(number, offset, part_size.min(len - offset)).await });
    }
    while let Some(done) = tasks.join_next().await {
        parts.push(upload.joined(Some(done))?);
    }
    parts.sort_by_key(CompletedPart::part_number);
    Ok(parts)
}

impl Upload {
    /// The result of a finished part task; a panic in the task is passed on.
    fn joined(
        &self,
        done: Option<Result<Result<CompletedPart, StorageError>, tokio::task::JoinError>>,
    ) -> Result<CompletedPart, StorageError> {
        match done.expect("a part task was running") {
            Ok(part) => part,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(StorageError::Other {
                uri: self.bucket.location.uri(&self.key),
                message: format!("a part upload stopped: {e}"),
            }),
        }
    }

    /// Uploads part `number`: `size` bytes of the file from `offset`.
    async fn part(&self, number: i32, offset: u64, size: u64) -> Result<CompletedPart, StorageError> {
        let body = ByteStream::read_from()
            .path(&self.local)
            .offset(offset)
            .length(Length::Exact(size))
            .build()
            .await
            .map_err(|e| StorageError::Io { uri: self.local.display().to_string(), source: e.into() })?;
        let output = self
            .bucket
            .client
            .upload_part()
            .bucket(self.bucket.location.bucket())
            .key(self.bucket.location.object_key(&self.key))
            .upload_id(&self.upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(body)
            .send()
            .await
            .map_err(|e| self.bucket.error(e, &self.key))?;
        Ok(CompletedPart::builder()
            .part_number(number)
            .set_e_tag(output.e_tag().map(str::to_owned))
            .set_checksum_crc32(output.checksum_crc32().map(str::to_owned))
            .build())
    }

    /// Assembles the parts into the object.
    async fn complete(&self, parts: Vec<CompletedPart>) -> Result<(), StorageError> {
        self.bucket
            .client
            .complete_multipart_upload()
            .bucket(self.bucket.location.bucket())
            .key(self.bucket.location.object_key(&self.key))
            .upload_id(&self.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(parts)).build())
            .send()
            .await
            .map(drop)
            .map_err(|e| self.bucket.error(e, &self.key))
    }

    /// Discards the parts uploaded so far; a failure here only leaves them for a lifecycle rule.
    async fn abort(&self) {
        let request = self
            .bucket
            .client
            .abort_multipart_upload()
            .bucket(self.bucket.location.bucket())
            .key(self.bucket.location.object_key(&self.key))
            .upload_id(&self.upload_id);
        if let Err(e) = request.send().await {
            let uri = self.bucket.location.uri(&self.key);
            tracing::warn!(%uri, error = %self.bucket.error(e, &self.key), "could not abort a failed multipart upload");
        }
    }
}
