//! [`MemoryStorage`]: objects in a map, for tests. It is the simplest correct backend (it passes
//! the conformance suite) and, having no local paths, it drives the code paths that remote
//! backends take, without a network.

use std::collections::BTreeMap;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::atomic_file::TempFile;
use super::key::{validate_key, validate_prefix};
use super::{Storage, StorageError};

/// Objects held in memory; dropped with the value.
#[derive(Debug, Default)]
pub struct MemoryStorage {
    objects: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryStorage {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn objects(&self) -> MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        // A panic elsewhere cannot leave the map half-updated: every update is one map operation.
        self.objects.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn not_found(&self, key: &str) -> StorageError {
        StorageError::NotFound { uri: self.uri(key) }
    }
}

impl Storage for MemoryStorage {
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        validate_key(key)?;
        let object = self.objects().get(key).cloned();
        object.ok_or_else(|| self.not_found(key))
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        validate_key(key)?;
        self.objects().insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        validate_key(key)?;
        let mut objects = self.objects();
        if objects.contains_key(key) {
            drop(objects);
            return Err(StorageError::AlreadyExists { uri: self.uri(key) });
        }
        objects.insert(key.to_owned(), bytes.to_vec());
        Ok(())
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        validate_key(key)?;
        let bytes = fs::read(local).map_err(|e| StorageError::io(local.display().to_string(), e))?;
        self.put(key, &bytes)
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        let bytes = self.get(key)?;
        let dir = match local.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        TempFile::create_in(dir)
            .and_then(|mut tmp| {
                std::io::Write::write_all(tmp.file(), &bytes)?;
                tmp.persist(local)
            })
            .map_err(|e| StorageError::io(local.display().to_string(), e))
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        validate_key(key)?;
        Ok(self.objects().contains_key(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        validate_prefix(prefix)?;
        let objects = self.objects();
        let keys = objects
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .map(|(key, _)| key)
            .take_while(|key| key.starts_with(prefix))
            .cloned()
            .collect();
        Ok(keys)
    }

    fn list_sizes(&self, prefix: &str) -> Result<Vec<(String, u64)>, StorageError> {
        validate_prefix(prefix)?;
        let objects = self.objects();
        let sizes = objects
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(key, _)| key.starts_with(prefix))
            .map(|(key, bytes)| (key.clone(), bytes.len() as u64))
            .collect();
        Ok(sizes)
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        validate_key(key)?;
        self.objects().remove(key);
        Ok(())
    }

    fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        validate_key(to)?;
        let bytes = self.get(from)?;
        self.put(to, &bytes)
    }

    fn uri(&self, key: &str) -> String {
        format!("memory://{key}")
    }

    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_the_conformance_suite() {
        crate::storage::conformance::run_all(&MemoryStorage::new());
    }

    #[test]
    fn has_no_local_paths() {
        let storage = MemoryStorage::new();
        storage.put("a", b"1").unwrap();
        assert_eq!(storage.local_path("a"), None);
        assert_eq!(storage.uri("a/b"), "memory://a/b");
    }
}
