//! Downloading an object to a local file atomically: the body streams into a hidden temporary
//! file beside the target (same directory, so the final rename never crosses file systems), which
//! is flushed and renamed over the target only once complete. The request is answered before
//! anything local is created, so a missing object leaves the target and its directory untouched.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_s3::error::DisplayErrorContext;
use mlpipe_core::storage::{StorageError, TEMP_PREFIX};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::AsyncWriteExt;

use super::bucket::Bucket;

/// Tells apart the temporary files of one process; the pid tells apart processes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Downloads the object at `key` to `local`, replacing it atomically.
pub(crate) async fn download(bucket: &Bucket, key: &str, local: &Path) -> Result<(), StorageError> {
    let mut body = bucket.get_object(key).await?.body;
    let local_error = |source| StorageError::Io { uri: local.display().to_string(), source };
    let dir = match local.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).await.map_err(local_error)?;
    let (mut file, temp) = TempPath::create_in(dir).await.map_err(local_error)?;
    while let Some(chunk) = body.try_next().await.map_err(|e| StorageError::Other {
        uri: bucket.location.uri(key),
        message: format!("the download broke off: {}", DisplayErrorContext(e)),
    })? {
        file.write_all(&chunk).await.map_err(local_error)?;
    }
    file.sync_all().await.map_err(local_error)?;
    drop(file);
    fs::rename(&temp.0, local).await.map_err(local_error)?;
    temp.keep();
    Ok(())
}

/// A temporary file, removed on drop unless kept (renamed into place).
struct TempPath(PathBuf);

impl TempPath {
    async fn create_in(dir: &Path) -> std::io::Result<(File, Self)> {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        // The storage's reserved prefix: a listing of a local storage skips it should the target
        // lie inside one.
        let path = dir.join(format!("{TEMP_PREFIX}{}-s3-{n}", std::process::id()));
        let file = OpenOptions::new().write(true).create_new(true).open(&path).await?;
        Ok((file, Self(path)))
    }

    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}
