//! [`LocalStorage`]: objects as files under a root directory, each key segment a path component.
//! Every write goes through [`TempFile`] (temp file, fsync, rename or hard link, fsync of the
//! directory), so readers and other processes never see a partial object. Directories are an
//! implementation detail: they are created on demand and pruned when a delete empties them.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::atomic_file::TempFile;
use super::key::{validate_key, validate_prefix, TEMP_PREFIX};
use super::{Storage, StorageError};

/// Objects stored as files under `root`. The root is created on the first write, so constructing
/// one never touches the disk.
#[derive(Debug, Clone)]
pub struct LocalStorage {
    root: PathBuf,
}

/// A [`LocalStorage`] at `root`, ready to share between threads and steps.
pub fn local(root: PathBuf) -> Arc<dyn Storage> {
    Arc::new(LocalStorage::new(root))
}

impl LocalStorage {
    /// Storage rooted at `root`, which need not exist yet.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The directory holding the objects.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file for `key`, which must already be validated.
    fn path(&self, key: &str) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(key.split('/'));
        path
    }

    fn checked_path(&self, key: &str) -> Result<PathBuf, StorageError> {
        validate_key(key)?;
        Ok(self.path(key))
    }

    /// Opens the object at `key` for reading.
    fn open(&self, key: &str) -> Result<File, StorageError> {
        let path = self.checked_path(key)?;
        let not_found = || StorageError::NotFound { uri: self.uri(key) };
        match File::open(&path) {
            // A directory is only a prefix of other keys, not an object.
            Ok(file) if file.metadata().is_ok_and(|m| m.is_dir()) => Err(not_found()),
            Ok(file) => Ok(file),
            Err(e) if is_absent(&e) => Err(not_found()),
            Err(e) => Err(StorageError::io(self.uri(key), e)),
        }
    }

    /// Writes the object at `key` with `fill`, replacing it or, when `create_only`, refusing to.
    fn write(
        &self,
        key: &str,
        create_only: bool,
        fill: impl FnOnce(&mut File) -> io::Result<()>,
    ) -> Result<(), StorageError> {
        let path = self.checked_path(key)?;
        let dir = path.parent().unwrap_or(&self.root);
        let io_error = |e| StorageError::io(self.uri(key), e);
        let mut tmp = TempFile::create_in(dir).map_err(io_error)?;
        fill(tmp.file()).map_err(io_error)?;
        if !create_only {
            return tmp.persist(&path).map_err(io_error);
        }
        // Only the link itself reports `AlreadyExists` here: creating directories is done above,
        // where a file in the way (key `a` when writing `a/b`) is an i/o error, not a taken key.
        tmp.persist_new(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => StorageError::AlreadyExists { uri: self.uri(key) },
            _ => io_error(e),
        })
    }

    /// Appends the keys of every file below `dir` to `out`, each prefixed with `prefix`.
    fn walk(&self, dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<(), StorageError> {
        let io_error = |e| StorageError::io(dir.display().to_string(), e);
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            // Nothing under this prefix, or a concurrent delete pruned it.
            Err(e) if is_absent(&e) => return Ok(()),
            Err(e) => return Err(io_error(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io_error)?;
            let Ok(name) = entry.file_name().into_string() else {
                tracing::warn!(path = %entry.path().display(), "skipping a file whose name is not utf-8");
                continue;
            };
            if name.starts_with(TEMP_PREFIX) {
                continue;
            }
            let key = format!("{prefix}{name}");
            let file_type = match entry.file_type() {
                Ok(file_type) => file_type,
                Err(e) if is_absent(&e) => continue,
                Err(e) => return Err(io_error(e)),
            };
            if file_type.is_dir() {
                self.walk(&entry.path(), &format!("{key}/"), out)?;
            } else if file_type.is_file() || entry.path().is_file() {
                // Symbolic links to files count as objects; links to directories are not followed.
                if validate_key(&key).is_ok() {
                    out.push(key);
                } else {
                    tracing::warn!(path = %entry.path().display(), "skipping a file that has no valid key");
                }
            }
        }
        Ok(())
    }

    /// Removes the now empty directories above `path`, stopping at the root.
    fn prune(&self, path: &Path) {
        let mut dir = path.parent();
        while let Some(d) = dir.filter(|d| *d != self.root && d.starts_with(&self.root)) {
            // Fails, harmlessly, as soon as a directory still holds something.
            if fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
}

impl Storage for LocalStorage {
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut self.open(key)?, &mut bytes).map_err(|e| StorageError::io(self.uri(key), e))?;
        Ok(bytes)
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.write(key, false, |file| io::Write::write_all(file, bytes))
    }

    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.write(key, true, |file| io::Write::write_all(file, bytes))
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        validate_key(key)?;
        let mut source = File::open(local).map_err(|e| StorageError::io(local.display().to_string(), e))?;
        self.write(key, false, |file| io::copy(&mut source, file).map(drop))
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        let mut source = self.open(key)?;
        let dir = match local.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        TempFile::create_in(dir)
            .and_then(|mut tmp| {
                io::copy(&mut source, tmp.file())?;
                tmp.persist(local)
            })
            .map_err(|e| StorageError::io(local.display().to_string(), e))
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        match fs::metadata(self.checked_path(key)?) {
            Ok(meta) => Ok(meta.is_file()),
            Err(e) if is_absent(&e) => Ok(false),
            Err(e) => Err(StorageError::io(self.uri(key), e)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        validate_prefix(prefix)?;
        let dir = match prefix.strip_suffix('/') {
            Some(stem) => self.path(stem),
            None => self.root.clone(),
        };
        let mut keys = Vec::new();
        self.walk(&dir, prefix, &mut keys)?;
        keys.sort();
        Ok(keys)
    }

    fn list_sizes(&self, prefix: &str) -> Result<Vec<(String, u64)>, StorageError> {
        let mut sizes = Vec::new();
        for key in self.list(prefix)? {
            match fs::metadata(self.path(&key)) {
                Ok(meta) => sizes.push((key, meta.len())),
                Err(e) if is_absent(&e) => {}
                Err(e) => return Err(StorageError::io(self.uri(&key), e)),
            }
        }
        Ok(sizes)
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        let path = self.checked_path(key)?;
        match fs::remove_file(&path) {
            Ok(()) => {
                self.prune(&path);
                Ok(())
            }
            // Absent, or a directory (a prefix, not an object): nothing to delete.
            Err(e) if is_absent(&e) || e.kind() == io::ErrorKind::IsADirectory => Ok(()),
            Err(e) => Err(StorageError::io(self.uri(key), e)),
        }
    }

    fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        validate_key(to)?;
        let mut source = self.open(from)?;
        self.write(to, false, |file| io::copy(&mut source, file).map(drop))
    }

    fn uri(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn local_path(&self, key: &str) -> Option<PathBuf> {
        self.checked_path(key).ok()
    }
}

/// Whether `e` means "no such file": missing, or a parent component is a file.
fn is_absent(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructing_does_not_create_the_root_but_the_first_write_does() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a/b");
        let storage = LocalStorage::new(root.clone());
        assert!(!root.exists());
        assert_eq!(storage.list("").unwrap(), Vec::<String>::new());
        assert!(!root.exists());
        storage.put("k", b"v").unwrap();
        assert_eq!(fs::read(root.join("k")).unwrap(), b"v");
    }

    #[test]
    fn a_crashed_writers_temporary_file_is_invisible() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().to_owned());
        storage.put("exp/data/records.parquet", b"complete").unwrap();
        // What a writer killed between write and rename leaves behind.
        let leftover = dir.path().join("exp/data/.tmp-4242-7");
        fs::write(&leftover, b"partial").unwrap();
        fs::create_dir(dir.path().join(".tmp-4242-8")).unwrap();
        assert_eq!(storage.list("").unwrap(), ["exp/data/records.parquet"]);
        assert_eq!(storage.get("exp/data/records.parquet").unwrap(), b"complete");
        assert!(storage.get("exp/data/.tmp-4242-7").unwrap_err().is_invalid_key());
        assert!(storage.exists("exp/data/.tmp-4242-7").unwrap_err().is_invalid_key());
    }

    #[test]
    fn a_directory_is_not_an_object() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().to_owned());
        storage.put("a/b", b"x").unwrap();
        assert!(storage.get("a").unwrap_err().is_not_found());
        assert!(!storage.exists("a").unwrap());
        assert!(storage.copy("a", "c").unwrap_err().is_not_found());
        storage.delete("a").unwrap();
        assert_eq!(storage.get("a/b").unwrap(), b"x");
    }

    #[test]
    fn a_key_cannot_be_both_an_object_and_a_prefix_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().to_owned());
        storage.put("a", b"x").unwrap();
        let err = storage.put_new("a/b", b"y").unwrap_err();
        assert!(matches!(err, StorageError::Io { .. }), "{err:?}");
        assert_eq!(storage.get("a").unwrap(), b"x");
    }

    #[test]
    fn delete_prunes_emptied_directories_but_keeps_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("root"));
        storage.put("x/y/z/obj", b"1").unwrap();
        storage.put("x/keep", b"2").unwrap();
        storage.delete("x/y/z/obj").unwrap();
        assert!(!dir.path().join("root/x/y").exists());
        storage.delete("x/keep").unwrap();
        assert!(!dir.path().join("root/x").exists());
        assert!(dir.path().join("root").is_dir());
    }

    #[test]
    fn local_path_and_uri_point_under_the_root() {
        let storage = LocalStorage::new(PathBuf::from("/srv/ml"));
        assert_eq!(storage.local_path("exp/data/id2label.json"), Some(PathBuf::from("/srv/ml/exp/data/id2label.json")));
        assert_eq!(storage.uri("exp/m.pt"), "/srv/ml/exp/m.pt");
        assert_eq!(storage.local_path("../etc/passwd"), None);
    }

    #[test]
    fn put_file_of_a_missing_local_file_names_that_file() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("root"));
        let missing = dir.path().join("nope.bin");
        let err = storage.put_file("k", &missing).unwrap_err();
        assert_eq!(err.to_string(), format!("i/o error at {}", missing.display()));
        assert!(!storage.exists("k").unwrap());
    }
}
