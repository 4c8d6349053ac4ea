//! Checks of single objects: writing, replacing, create-only writes, reading what is missing,
//! deleting and copying.

use super::{expect_err, fresh, pattern};
use crate::storage::{Storage, StorageError};

pub(super) fn round_trip(storage: &dyn Storage) {
    let p = fresh(storage, "round_trip");
    let all_bytes: Vec<u8> = (0..=255).collect();
    for (name, bytes) in [("empty", Vec::new()), ("bytes", all_bytes), ("text", b"hello".to_vec())] {
        let key = format!("{p}{name}");
        storage.put(&key, &bytes).expect("put");
        assert_eq!(storage.get(&key).expect("get"), bytes, "get returns what put wrote at {key}");
        assert!(storage.exists(&key).expect("exists"), "{key} exists after put");
    }
    let nested = format!("{p}deep/er/still/obj.json");
    storage.put(&nested, b"{}").expect("put a nested key");
    assert_eq!(storage.get(&nested).expect("get nested"), b"{}");
}

pub(super) fn put_replaces(storage: &dyn Storage) {
    let key = format!("{}obj", fresh(storage, "put_replaces"));
    storage.put(&key, &pattern(10_000, 1)).expect("first put");
    storage.put(&key, b"short").expect("second put");
    assert_eq!(storage.get(&key).expect("get"), b"short", "a replacing put leaves exactly the new content");
}

pub(super) fn put_new_creates_when_absent(storage: &dyn Storage) {
    let key = format!("{}a/claim", fresh(storage, "put_new_creates_when_absent"));
    storage.put_new(&key, b"mine").expect("put_new on a free key");
    assert_eq!(storage.get(&key).expect("get"), b"mine");
}

pub(super) fn put_new_refuses_existing(storage: &dyn Storage) {
    let key = format!("{}claim", fresh(storage, "put_new_refuses_existing"));
    storage.put(&key, b"first").expect("put");
    let err =
        expect_err(storage.put_new(&key, b"second"), StorageError::is_already_exists, "put_new on an existing key");
    assert!(matches!(&err, StorageError::AlreadyExists { uri } if *uri == storage.uri(&key)));
    assert_eq!(storage.get(&key).expect("get"), b"first", "the refused put_new changed nothing");
}

pub(super) fn get_missing_is_not_found(storage: &dyn Storage) {
    let p = fresh(storage, "get_missing_is_not_found");
    storage.put(&format!("{p}present"), b"x").expect("put");
    for key in [format!("{p}absent"), format!("{p}no/such/dir/obj")] {
        let err = expect_err(storage.get(&key), StorageError::is_not_found, "get of a missing key");
        assert!(
            matches!(&err, StorageError::NotFound { uri } if *uri == storage.uri(&key)),
            "not found names the object: {err}"
        );
        assert!(!storage.exists(&key).expect("exists"), "{key} does not exist");
    }
}

pub(super) fn delete_is_idempotent(storage: &dyn Storage) {
    let p = fresh(storage, "delete_is_idempotent");
    let (key, other) = (format!("{p}dir/obj"), format!("{p}dir/other"));
    storage.put(&key, b"x").expect("put");
    storage.put(&other, b"y").expect("put");
    storage.delete(&key).expect("delete");
    expect_err(storage.get(&key), StorageError::is_not_found, "get after delete");
    assert!(!storage.exists(&key).expect("exists"), "deleted key does not exist");
    storage.delete(&key).expect("deleting again succeeds");
    storage.delete(&format!("{p}never/was")).expect("deleting a never-written key succeeds");
    assert_eq!(storage.list(&p).expect("list"), std::slice::from_ref(&other), "delete removed only its key");
    assert_eq!(storage.get(&other).expect("get"), b"y");
}

pub(super) fn copy_duplicates(storage: &dyn Storage) {
    let p = fresh(storage, "copy_duplicates");
    let (from, to) = (format!("{p}from"), format!("{p}sub/to"));
    let bytes = pattern(100_000, 2);
    storage.put(&from, &bytes).expect("put");
    storage.copy(&from, &to).expect("copy");
    assert_eq!(storage.get(&to).expect("get copy"), bytes, "the copy has the content");
    assert_eq!(storage.get(&from).expect("get source"), bytes, "the source is intact");
    storage.put(&from, b"changed").expect("put");
    storage.copy(&from, &to).expect("copy over an existing key");
    assert_eq!(storage.get(&to).expect("get"), b"changed", "copy replaces the target");
    let missing = format!("{p}missing");
    expect_err(storage.copy(&missing, &to), StorageError::is_not_found, "copy from a missing key");
    assert_eq!(storage.get(&to).expect("get"), b"changed", "a failed copy leaves the target");
}
