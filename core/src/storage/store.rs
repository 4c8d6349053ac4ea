//! The [`Storage`] trait: whole objects addressed by `/`-separated keys relative to a root, in the
//! manner of arrow-rs `object_store`. There are no directories in the API, only keys and key
//! prefixes, so that a local directory and an S3 bucket behave the same way. The trait is
//! synchronous; a remote backend blocks on its own runtime internally.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use super::StorageError;

/// A place to keep objects. Every method validates its keys first (see
/// [`validate_key`](super::validate_key)) and returns [`StorageError::InvalidKey`] for malformed
/// ones before touching anything.
///
/// Writes are atomic: a reader sees either the previous object or the complete new one, never a
/// partial write, even when the writer crashes. Implementations must pass
/// [`conformance::run_all`](super::conformance::run_all).
pub trait Storage: Send + Sync + Debug {
    /// Reads the whole object at `key`.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when there is no object at `key`; `Io`/`Other` on backend failure.
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError>;

    /// Writes `bytes` as the object at `key`, creating it or replacing it atomically.
    ///
    /// # Errors
    /// `Io`/`Other` on backend failure; the previous object, if any, is then left intact.
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError>;

    /// Writes `bytes` at `key` only if no object is there yet (a conditional write). Among
    /// concurrent callers, processes included, exactly one succeeds; this is what allocates run
    /// numbers.
    ///
    /// # Errors
    /// [`StorageError::AlreadyExists`] when an object is already at `key` (it is left untouched);
    /// `Io`/`Other` on backend failure.
    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError>;

    /// Uploads the local file `local` as the object at `key` (create or replace, atomically).
    /// Use it rather than [`Storage::put`] for large files: backends stream them.
    ///
    /// # Errors
    /// `Io` when `local` cannot be read (the uri then names `local`); `Io`/`Other` on backend
    /// failure.
    fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError>;

    /// Downloads the object at `key` to the local file `local`, creating its parent directories
    /// and replacing the file atomically: `local` ends up complete or unchanged.
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when there is no object at `key` (then `local` is not touched);
    /// `Io` when `local` cannot be written; `Io`/`Other` on backend failure.
    fn get_file(&self, key: &str, local: &Path) -> Result<(), StorageError>;

    /// Whether an object exists at `key`. A key that is only a prefix of other keys (a
    /// "directory") does not exist.
    ///
    /// # Errors
    /// `Io`/`Other` on backend failure.
    fn exists(&self, key: &str) -> Result<bool, StorageError>;

    /// Every key under `prefix`, at any depth, sorted bytewise. `prefix` is `""` (everything) or
    /// a key followed by `/` (see [`validate_prefix`](super::validate_prefix)); a prefix with no
    /// keys under it gives an empty list, not an error.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for a malformed prefix; `Io`/`Other` on backend failure.
    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError>;

    /// Every key under `prefix` with its object's size in bytes, in [`Storage::list`]'s order:
    /// what `runner runs` adds up. The default reads every object; backends override it with
    /// their listing's sizes.
    ///
    /// # Errors
    /// As [`Storage::list`]; an object deleted between listing and reading is left out.
    fn list_sizes(&self, prefix: &str) -> Result<Vec<(String, u64)>, StorageError> {
        let mut sizes = Vec::new();
        for key in self.list(prefix)? {
            match self.get(&key) {
                Ok(bytes) => sizes.push((key, bytes.len() as u64)),
                Err(StorageError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(sizes)
    }

    /// Removes the object at `key`. Deleting a missing object succeeds, so that retries and
    /// clean-ups are idempotent.
    ///
    /// # Errors
    /// `Io`/`Other` on backend failure.
    fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// Copies the object at `from` to `to` (create or replace, atomically).
    ///
    /// # Errors
    /// [`StorageError::NotFound`] when there is no object at `from`; `Io`/`Other` on backend
    /// failure.
    fn copy(&self, from: &str, to: &str) -> Result<(), StorageError>;

    /// A human-readable location of `key` for messages: a local path or `s3://bucket/prefix/key`.
    /// Never fails, even for an invalid key.
    fn uri(&self, key: &str) -> String;

    /// The local file that holds `key`, for readers that want to open files directly (Parquet,
    /// memory maps). `None` for remote backends and for invalid keys; callers then fall back to
    /// [`Storage::get_file`]. The file may not exist.
    fn local_path(&self, key: &str) -> Option<PathBuf>;
}
