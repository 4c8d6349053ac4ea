//! Local scratch folders for files on their way to storage. Each one is new and empty (a random
//! name, never reused as a process id can be) and removed when dropped, on error paths too, so a
//! failed step leaves nothing behind for a later process to append to.

use crate::{Error, Result};

pub use tempfile::TempDir as Scratch;

/// A new, empty scratch folder in the system's temporary directory, named `<prefix>-<random>`.
///
/// # Errors
/// [`Error::Io`] naming the temporary directory when the folder cannot be created.
pub fn scratch(prefix: &str) -> Result<Scratch> {
    tempfile::Builder::new()
        .prefix(&format!("{prefix}-"))
        .tempdir()
        .map_err(|source| Error::Io { path: std::env::temp_dir(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scratch_folder_is_new_empty_and_removed_on_drop() {
        let first = scratch("mlpipe-test").unwrap();
        let second = scratch("mlpipe-test").unwrap();
        assert_ne!(first.path(), second.path());
        assert!(first.path().file_name().unwrap().to_str().unwrap().starts_with("mlpipe-test-"));
        assert_eq!(std::fs::read_dir(first.path()).unwrap().count(), 0);
        std::fs::write(first.path().join("metrics.jsonl"), "x").unwrap();
        let path = first.path().to_path_buf();
        drop(first);
        assert!(!path.exists());
    }
}
