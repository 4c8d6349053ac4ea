//! Checks of [`Storage::put_file`] and [`Storage::get_file`]: large files arrive intact (a few
//! parts' worth for multipart uploads), downloads replace the local file atomically and leave it
//! alone when the object is missing.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{expect_err, fresh, pattern};
use crate::storage::{Storage, StorageError};

/// Larger than two 5 MiB multipart parts, and not a multiple of any power of two.
const LARGE: usize = 12 * 1024 * 1024 + 7;

pub(super) fn large_file_round_trip(storage: &dyn Storage) {
    let key = format!("{}big.bin", fresh(storage, "large_file_round_trip"));
    let scratch = ScratchDir::new();
    let bytes = pattern(LARGE, 3);
    let upload = scratch.path().join("upload.bin");
    fs::write(&upload, &bytes).expect("write the local file");
    storage.put_file(&key, &upload).expect("put_file");
    assert!(storage.get(&key).expect("get") == bytes, "get returns the uploaded file");
    let download = scratch.path().join("new/dirs/download.bin");
    storage.get_file(&key, &download).expect("get_file into missing directories");
    assert!(fs::read(&download).expect("read") == bytes, "get_file writes the whole object");
}

pub(super) fn get_file_replaces_local_file(storage: &dyn Storage) {
    let key = format!("{}obj", fresh(storage, "get_file_replaces_local_file"));
    let scratch = ScratchDir::new();
    let local = scratch.path().join("local.bin");
    fs::write(&local, pattern(50_000, 4)).expect("write the local file");
    storage.put(&key, b"remote").expect("put");
    storage.get_file(&key, &local).expect("get_file over an existing file");
    assert_eq!(fs::read(&local).expect("read"), b"remote", "the local file was replaced");
    assert_eq!(scratch.names(), ["local.bin"], "no temporary file is left beside it");
}

pub(super) fn get_file_of_missing_key_leaves_local_untouched(storage: &dyn Storage) {
    let p = fresh(storage, "get_file_of_missing_key_leaves_local_untouched");
    let scratch = ScratchDir::new();
    let (kept, absent) = (scratch.path().join("kept"), scratch.path().join("absent"));
    fs::write(&kept, b"keep me").expect("write the local file");
    let missing = format!("{p}missing");
    for local in [&kept, &absent] {
        expect_err(storage.get_file(&missing, local), StorageError::is_not_found, "get_file");
    }
    assert_eq!(fs::read(&kept).expect("read"), b"keep me", "the local file is untouched");
    assert_eq!(scratch.names(), ["kept"], "nothing was created");
}

pub(super) fn put_file_of_missing_local_file_fails(storage: &dyn Storage) {
    let p = fresh(storage, "put_file_of_missing_local_file_fails");
    let scratch = ScratchDir::new();
    let key = format!("{p}obj");
    let result = storage.put_file(&key, &scratch.path().join("no-such-file"));
    assert!(result.is_err(), "put_file of a missing local file succeeded");
    assert!(!storage.exists(&key).expect("exists"), "the failed upload created {key}");
}

/// A local directory for a check's files, removed on drop. (`tempfile` is only a
/// dev-dependency, and this suite ships in the library for other crates' tests.)
pub(super) struct ScratchDir(PathBuf);

impl ScratchDir {
    pub(super) fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("mlpipe-conformance-{}-{n}", std::process::id()));
        // A leftover from a crashed run with a recycled pid: start clean.
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create a scratch directory");
        Self(dir)
    }

    pub(super) fn path(&self) -> &Path {
        &self.0
    }

    /// The sorted names of the files directly inside.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(&self.0)
            .expect("read the scratch directory")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}
