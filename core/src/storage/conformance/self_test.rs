//! The suite tested against deliberately broken backends: every check must be failed by at least
//! one fault aimed at it, or the check proves nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::Duration;

use super::{failures, CHECKS};
use crate::storage::{MemoryStorage, Storage, StorageError};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    EmptyObjectsVanish,
    PutKeepsOldTail,
    PutNewAlwaysRefuses,
    PutNewOverwrites,
    MissingIsOther,
    DeleteOfMissingFails,
    CopyMoves,
    UnsortedList,
    PrefixIgnoresBoundary,
    UnknownPrefixFails,
    ListEverythingIsEmpty,
    ListedSizesAreZero,
    IgnoresInvalidKeys,
    RefusesNonAscii,
    TruncatedDownload,
    DownloadKeepsExisting,
    DownloadOfMissingTruncates,
    UploadOfMissingIsEmpty,
    TornPut,
}

/// Each fault with a check it must fail; together they cover every check.
const CASES: &[(Fault, &str)] = &[
    (Fault::EmptyObjectsVanish, "round_trip"),
    (Fault::PutKeepsOldTail, "put_replaces"),
    (Fault::PutNewAlwaysRefuses, "put_new_creates_when_absent"),
    (Fault::PutNewOverwrites, "put_new_refuses_existing"),
    (Fault::PutNewOverwrites, "concurrent_put_new_has_one_winner"),
    (Fault::MissingIsOther, "get_missing_is_not_found"),
    (Fault::DeleteOfMissingFails, "delete_is_idempotent"),
    (Fault::CopyMoves, "copy_duplicates"),
    (Fault::UnsortedList, "list_is_recursive_and_sorted"),
    (Fault::PrefixIgnoresBoundary, "list_respects_prefix_boundaries"),
    (Fault::UnknownPrefixFails, "list_of_unknown_prefix_is_empty"),
    (Fault::ListEverythingIsEmpty, "list_everything"),
    (Fault::ListedSizesAreZero, "list_sizes_are_object_lengths"),
    (Fault::IgnoresInvalidKeys, "invalid_keys_are_rejected"),
    (Fault::IgnoresInvalidKeys, "invalid_prefixes_are_rejected"),
    (Fault::RefusesNonAscii, "unusual_valid_keys_round_trip"),
    (Fault::TruncatedDownload, "large_file_round_trip"),
    (Fault::DownloadKeepsExisting, "get_file_replaces_local_file"),
    (Fault::DownloadOfMissingTruncates, "get_file_of_missing_key_leaves_local_untouched"),
    (Fault::UploadOfMissingIsEmpty, "put_file_of_missing_local_file_fails"),
    (Fault::TornPut, "concurrent_puts_are_never_torn"),
];

/// A [`MemoryStorage`] with one fault.
#[derive(Debug)]
struct Faulty {
    inner: MemoryStorage,
    fault: Fault,
}

impl Faulty {
    fn new(fault: Fault) -> Self {
        Self { inner: MemoryStorage::new(), fault }
    }

    fn has(&self, fault: Fault) -> bool {
        self.fault == fault
    }

    /// Turns `InvalidKey` into success when that is the fault.
    fn lax<T: Default>(&self, result: Result<T, StorageError>) -> Result<T, StorageError> {
        match result {
            Err(e) if e.is_invalid_key() && self.has(Fault::IgnoresInvalidKeys) => Ok(T::default()),
            other => other,
        }
    }

    fn io(local: &Path, e: std::io::Error) -> StorageError {
        StorageError::io(local.display().to_string(), e)
    }
}

impl Storage for Faulty {
    fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        match self.inner.get(key) {
            Err(e) if e.is_not_found() && self.has(Fault::MissingIsOther) => {
                Err(StorageError::Other { uri: self.uri(key), message: "404".into() })
            }
            other => self.lax(other),
        }
    }

    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        if self.has(Fault::RefusesNonAscii) && !key.is_ascii() {
            return Err(StorageError::InvalidKey { key: key.into(), reason: "ascii only".into() });
        }
        match self.fault {
            Fault::EmptyObjectsVanish if bytes.is_empty() => return Ok(()),
            Fault::PutKeepsOldTail => {
                let mut merged = self.inner.get(key).unwrap_or_default();
                merged.resize(merged.len().max(bytes.len()), 0);
                merged[..bytes.len()].copy_from_slice(bytes);
                return self.inner.put(key, &merged);
            }
            Fault::TornPut if bytes.len() > 1 => {
                self.inner.put(key, &bytes[..bytes.len() / 2])?;
                thread::sleep(Duration::from_millis(2));
            }
            _ => {}
        }
        self.lax(self.inner.put(key, bytes))
    }

    fn put_new(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        match self.fault {
            Fault::PutNewOverwrites => self.inner.put(key, bytes),
            Fault::PutNewAlwaysRefuses => Err(StorageError::AlreadyExists { uri: self.uri(key) }),
            _ => self.lax(self.inner.put_new(key, bytes)),
        }
    }

    fn put_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        if self.has(Fault::UploadOfMissingIsEmpty) && !local.exists() {
            return self.inner.put(key, b"");
        }
        self.lax(self.inner.put_file(key, local))
    }

    fn get_file(&self, key: &str, local: &Path) -> Result<(), StorageError> {
        match self.fault {
            Fault::TruncatedDownload => {
                let bytes = self.inner.get(key)?;
                let end = bytes.len().min(1024 * 1024);
                fs::write(local, &bytes[..end]).map_err(|e| Self::io(local, e))
            }
            Fault::DownloadKeepsExisting if local.exists() => Ok(()),
            Fault::DownloadOfMissingTruncates => {
                fs::write(local, b"").map_err(|e| Self::io(local, e))?;
                self.inner.get_file(key, local)
            }
            _ => self.lax(self.inner.get_file(key, local)),
        }
    }

    fn exists(&self, key: &str) -> Result<bool, StorageError> {
        self.lax(self.inner.exists(key))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StorageError> {
        let mut keys = match self.fault {
            Fault::PrefixIgnoresBoundary => {
                let stem = prefix.trim_end_matches('/');
                let all = self.inner.list("")?;
                all.into_iter().filter(|k| k.starts_with(stem)).collect()
            }
            Fault::ListEverythingIsEmpty if prefix.is_empty() => Vec::new(),
            _ => self.lax(self.inner.list(prefix))?,
        };
        if self.has(Fault::UnknownPrefixFails) && keys.is_empty() {
            return Err(StorageError::NotFound { uri: self.uri(prefix) });
        }
        if self.has(Fault::UnsortedList) {
            keys.reverse();
        }
        Ok(keys)
    }

    fn delete(&self, key: &str) -> Result<(), StorageError> {
        if self.has(Fault::DeleteOfMissingFails) && !self.inner.exists(key)? {
            return Err(StorageError::NotFound { uri: self.uri(key) });
        }
        self.lax(self.inner.delete(key))
    }

    fn copy(&self, from: &str, to: &str) -> Result<(), StorageError> {
        self.inner.copy(from, to)?;
        if self.has(Fault::CopyMoves) {
            self.inner.delete(from)?;
        }
        Ok(())
    }

    fn uri(&self, key: &str) -> String {
        self.inner.uri(key)
    }

    fn list_sizes(&self, prefix: &str) -> Result<Vec<(String, u64)>, StorageError> {
        let sizes = self.inner.list_sizes(prefix)?;
        if self.has(Fault::ListedSizesAreZero) {
            return Ok(sizes.into_iter().map(|(key, _)| (key, 0)).collect());
        }
        Ok(sizes)
    }

    fn local_path(&self, _key: &str) -> Option<PathBuf> {
        None
    }
}

#[test]
fn every_check_is_failed_by_the_fault_aimed_at_it() {
    for &(fault, check) in CASES {
        let failed = failures(&Faulty::new(fault));
        assert!(failed.contains(&check), "{fault:?} escaped {check}; failed: {failed:?}");
    }
}

#[test]
fn every_check_has_a_fault_aimed_at_it() {
    for (name, _) in CHECKS {
        assert!(CASES.iter().any(|(_, check)| check == name), "no fault tests {name}");
    }
}

#[test]
fn run_all_names_the_failed_checks() {
    let storage = Faulty::new(Fault::CopyMoves);
    let panic = std::panic::catch_unwind(|| super::run_all(&storage)).unwrap_err();
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("copy_duplicates"), "{message}");
}
