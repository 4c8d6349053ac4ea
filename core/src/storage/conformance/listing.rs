//! Checks of [`Storage::list`]: recursive, sorted bytewise, bounded by whole prefix segments, and
//! empty (not an error) where nothing is stored; [`Storage::list_sizes`] gives each object's length.

use super::fresh;
use crate::storage::Storage;

pub(super) fn list_is_recursive_and_sorted(storage: &dyn Storage) {
    let p = fresh(storage, "list_is_recursive_and_sorted");
    // Bytewise order puts 'B' before 'a' and "a-b/x" before "a/b" ('-' < '/'), which a
    // directory-by-directory walk does not produce by itself.
    let written = ["z", "a/b", "B", "a-b/x", "a/c/d/e", "a/c/d.txt", "a.txt"];
    for name in written {
        storage.put(&format!("{p}{name}"), name.as_bytes()).expect("put");
    }
    let mut expected: Vec<String> = written.iter().map(|name| format!("{p}{name}")).collect();
    expected.sort();
    assert_eq!(storage.list(&p).expect("list"), expected, "every key under the prefix, sorted");
    let sub = format!("{p}a/c/");
    assert_eq!(
        storage.list(&sub).expect("list a sub-prefix"),
        [format!("{sub}d.txt"), format!("{sub}d/e")],
        "a sub-prefix lists only its keys"
    );
}

pub(super) fn list_respects_prefix_boundaries(storage: &dyn Storage) {
    let p = fresh(storage, "list_respects_prefix_boundaries");
    for name in ["ab/x", "abc/y", "ab.txt", "a"] {
        storage.put(&format!("{p}{name}"), b"-").expect("put");
    }
    assert_eq!(
        storage.list(&format!("{p}ab/")).expect("list"),
        [format!("{p}ab/x")],
        "a prefix matches whole segments only"
    );
}

pub(super) fn list_of_unknown_prefix_is_empty(storage: &dyn Storage) {
    let p = fresh(storage, "list_of_unknown_prefix_is_empty");
    storage.put(&format!("{p}file"), b"-").expect("put");
    for prefix in [format!("{p}nothing/here/"), format!("{p}file/")] {
        assert!(storage.list(&prefix).expect("list an unknown prefix").is_empty(), "nothing under {prefix}");
    }
}

pub(super) fn list_everything(storage: &dyn Storage) {
    let p = fresh(storage, "list_everything");
    let before = storage.list("").expect("list everything");
    let added = [format!("{p}one"), format!("{p}two/three")];
    for key in &added {
        storage.put(key, b"-").expect("put");
    }
    let mut expected = before;
    expected.extend(added.iter().cloned());
    expected.sort();
    assert_eq!(storage.list("").expect("list everything"), expected, "\"\" lists every key");
}

pub(super) fn list_sizes_are_object_lengths(storage: &dyn Storage) {
    let p = fresh(storage, "list_sizes_are_object_lengths");
    let objects = [("a", 0usize), ("b/c", 3), ("b/d", 70_000)];
    for (name, len) in objects {
        storage.put(&format!("{p}{name}"), &vec![7u8; len]).expect("put");
    }
    let expected: Vec<(String, u64)> = objects.iter().map(|(name, len)| (format!("{p}{name}"), *len as u64)).collect();
    assert_eq!(storage.list_sizes(&p).expect("list sizes"), expected, "each key with its object's length");
}
