//! Temporary files that become real files atomically, for [`LocalStorage`](super::LocalStorage).
//! A write goes to a hidden `.tmp-<pid>-<counter>` file in the target's own directory (so the final
//! rename never crosses file systems), is flushed to disk, and is then renamed over the target
//! (create-or-replace) or hard-linked to it (create-only, which the kernel refuses atomically when
//! the target exists). A reader therefore sees the old file or the complete new one; a writer that
//! crashes leaves only a `.tmp-` file, which listings skip.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::key::TEMP_PREFIX;

/// Distinguishes temporary files of one process; the pid distinguishes processes.
static COUNTER: AtomicU64 = AtomicU64::new(0);

/// How often to retry creating a temporary file: its directory may be pruned by a concurrent
/// delete between `create_dir_all` and `open`, or a crashed process with a recycled pid may have
/// left a file of the same name.
const CREATE_ATTEMPTS: usize = 16;

/// A temporary file that is removed on drop unless [`persist`](Self::persist)ed.
#[derive(Debug)]
pub(crate) struct TempFile {
    path: PathBuf,
    file: File,
    done: bool,
}

impl TempFile {
    /// Creates an empty temporary file in `dir`, creating `dir` and its parents as needed.
    pub(crate) fn create_in(dir: &Path) -> io::Result<Self> {
        let mut last_error = None;
        for _ in 0..CREATE_ATTEMPTS {
            fs::create_dir_all(dir)?;
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{TEMP_PREFIX}{}-{n}", std::process::id()));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(Self { path, file, done: false }),
                Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::AlreadyExists) => {
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
    }

    /// The open file, for writing the content.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Flushes the content and renames it to `target`, replacing any file there.
    pub(crate) fn persist(mut self, target: &Path) -> io::Result<()> {
        self.file.sync_all()?;
        fs::rename(&self.path, target)?;
        self.done = true;
        sync_parent(target)
    }

    /// Flushes the content and links it to `target` only if nothing is there.
    ///
    /// Fails with [`io::ErrorKind::AlreadyExists`] when `target` exists, which it leaves intact.
    pub(crate) fn persist_new(self, target: &Path) -> io::Result<()> {
        self.file.sync_all()?;
        fs::hard_link(&self.path, target)?;
        // Drop removes the temporary name; the content lives on under `target`.
        sync_parent(target)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.done {
            // Best effort: a leftover `.tmp-` file is invisible to readers anyway.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Makes a rename or link in `path`'s directory durable.
fn sync_parent(path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    match File::open(dir).and_then(|d| d.sync_all()) {
        // Some file systems cannot fsync a directory; the rename itself is still atomic.
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        names
    }

    #[test]
    fn persist_replaces_the_target_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub/obj");
        for content in [&b"first"[..], b"second"] {
            let mut tmp = TempFile::create_in(target.parent().unwrap()).unwrap();
            tmp.file().write_all(content).unwrap();
            tmp.persist(&target).unwrap();
        }
        assert_eq!(fs::read(&target).unwrap(), b"second");
        assert_eq!(names(&dir.path().join("sub")), ["obj"]);
    }

    #[test]
    fn persist_new_refuses_an_existing_target_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("obj");
        fs::write(&target, b"old").unwrap();
        let mut tmp = TempFile::create_in(dir.path()).unwrap();
        tmp.file().write_all(b"new").unwrap();
        let err = tmp.persist_new(&target).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["obj"]);
    }

    #[test]
    fn dropping_an_unpersisted_file_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = TempFile::create_in(dir.path()).unwrap();
        assert!(names(dir.path())[0].starts_with(TEMP_PREFIX));
        drop(tmp);
        assert!(names(dir.path()).is_empty());
    }
}
