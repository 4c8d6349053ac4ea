//! Checks of key validation: every method refuses malformed keys with `InvalidKey` before
//! touching anything, and unusual but valid keys work.

use std::path::Path;

use super::files::ScratchDir;
use super::{expect_err, fresh};
use crate::storage::{Storage, StorageError};

/// Keys that no backend may accept.
const INVALID: &[&str] =
    &["", "/abs", "trailing/", "a//b", ".", "..", "a/../b", "./a", "nul\0byte", "back\\slash", "dir/.tmp-1-2"];

pub(super) fn invalid_keys_are_rejected(storage: &dyn Storage) {
    let p = fresh(storage, "invalid_keys_are_rejected");
    let valid = format!("{p}valid");
    storage.put(&valid, b"v").expect("put");
    let scratch = ScratchDir::new();
    let source = scratch.path().join("source");
    std::fs::write(&source, b"local").expect("write a local file");
    let target = scratch.path().join("target");
    let before = storage.list("").expect("list");
    for &bad in INVALID {
        let invalid = StorageError::is_invalid_key;
        expect_err(storage.get(bad), invalid, &format!("get({bad:?})"));
        expect_err(storage.put(bad, b"x"), invalid, &format!("put({bad:?})"));
        expect_err(storage.put_new(bad, b"x"), invalid, &format!("put_new({bad:?})"));
        expect_err(storage.exists(bad), invalid, &format!("exists({bad:?})"));
        expect_err(storage.delete(bad), invalid, &format!("delete({bad:?})"));
        expect_err(storage.copy(&valid, bad), invalid, &format!("copy(valid, {bad:?})"));
        expect_err(storage.copy(bad, &valid), invalid, &format!("copy({bad:?}, valid)"));
        expect_err(storage.put_file(bad, &source), invalid, &format!("put_file({bad:?})"));
        expect_err(storage.get_file(bad, &target), invalid, &format!("get_file({bad:?})"));
        assert!(!Path::new(&target).exists(), "get_file({bad:?}) created the local file");
    }
    assert_eq!(storage.list("").expect("list"), before, "invalid keys wrote nothing");
    assert_eq!(storage.get(&valid).expect("get"), b"v");
}

pub(super) fn invalid_prefixes_are_rejected(storage: &dyn Storage) {
    fresh(storage, "invalid_prefixes_are_rejected");
    for bad in ["conformance", "/", "/conformance/", "conformance//", "../", "a/./"] {
        expect_err(storage.list(bad), StorageError::is_invalid_key, &format!("list({bad:?})"));
    }
}

pub(super) fn unusual_valid_keys_round_trip(storage: &dyn Storage) {
    let p = fresh(storage, "unusual_valid_keys_round_trip");
    let names =
        ["with space/x y.txt", "ünïcødé/文件", ".hidden", "...", "a..b", "-dash", "eq=sign+plus", "UPPER/lower"];
    for name in names {
        let key = format!("{p}{name}");
        storage.put(&key, name.as_bytes()).expect("put an unusual key");
        assert_eq!(storage.get(&key).expect("get"), name.as_bytes(), "{key:?}");
    }
    let mut expected: Vec<String> = names.iter().map(|name| format!("{p}{name}")).collect();
    expected.sort();
    assert_eq!(storage.list(&p).expect("list"), expected, "unusual keys list as written");
}
