//! Opening the storage behind `[experiment] root = s3://bucket/prefix`: what the runner passes to
//! `Job::open_with`. The bucket is checked at once, so that a typo, missing credentials or a wrong
//! region stop the job before any step runs, with a message naming the setting.

use std::sync::Arc;

use mlpipe_core::settings::Root;
use mlpipe_core::storage::{Storage, StorageError};
use mlpipe_core::{Error, Result};

use super::{S3Config, S3Storage};

/// Opens `root` with [`S3Config::from_env`] and checks its bucket.
///
/// # Errors
/// As [`open_root_with`], and a malformed `MLPIPE_AWS_MAX_ATTEMPTS`.
pub fn open_root(root: &Root) -> Result<Arc<dyn Storage>> {
    s3_root(root)?;
    let config = S3Config::from_env().map_err(|e| setting_error(root, e))?;
    open_root_with(root, config)
}

/// Opens `root` with `config` and checks that its bucket exists and is usable.
///
/// # Errors
/// [`Error::Storage`] naming `experiment.root = s3://…` when the bucket is missing, access is
/// denied, the bucket is in another region or S3 cannot be reached; [`Error::Internal`] for a
/// local root, which is not this function's to open.
pub fn open_root_with(root: &Root, config: S3Config) -> Result<Arc<dyn Storage>> {
    let (bucket, prefix) = s3_root(root)?;
    let storage = S3Storage::new(bucket, prefix, config).map_err(|e| setting_error(root, e))?;
    storage.check_bucket().map_err(|e| setting_error(root, e))?;
    Ok(Arc::new(storage))
}

/// The bucket and prefix of an S3 root.
fn s3_root(root: &Root) -> Result<(&str, &str)> {
    match root {
        Root::S3 { bucket, prefix } => Ok((bucket, prefix)),
        Root::Local(_) => Err(Error::Internal { what: format!("experiment.root = {root}: not an s3:// root") }),
    }
}

/// `err` as an error of the `experiment.root` setting, so that the message says what to fix.
fn setting_error(root: &Root, err: StorageError) -> Error {
    let uri = format!("experiment.root = {root}");
    Error::Storage(match err {
        StorageError::Other { message, .. } => StorageError::Other { uri, message },
        StorageError::Io { source, .. } => StorageError::Io { uri, source },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_root_is_refused() {
        let err = open_root(&Root::Local("/srv/experiments".into())).expect_err("a local root is refused");
        assert_eq!(err.to_string(), "experiment.root = /srv/experiments: not an s3:// root");
    }
}
