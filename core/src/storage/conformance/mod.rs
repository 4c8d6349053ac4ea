//! The behaviour every [`Storage`] backend must show, as one suite that each backend's tests run:
//! `run_all(&LocalStorage::new(tmp))` for local disk, the same call against a test S3 server for
//! S3. Each check works under its own `conformance/<check>/` prefix, clears it first, and panics
//! with a message saying what differed; [`run_all`] runs them all and names the failures.

mod concurrency;
mod files;
mod keys;
mod listing;
mod objects;
#[cfg(test)]
mod self_test;

use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::{Storage, StorageError};

/// One check: panics when `storage` misbehaves.
pub type Check = fn(&dyn Storage);

/// Every check, by name, in the order [`run_all`] runs them.
pub const CHECKS: &[(&str, Check)] = &[
    ("round_trip", objects::round_trip),
    ("put_replaces", objects::put_replaces),
    ("put_new_creates_when_absent", objects::put_new_creates_when_absent),
    ("put_new_refuses_existing", objects::put_new_refuses_existing),
    ("get_missing_is_not_found", objects::get_missing_is_not_found),
    ("delete_is_idempotent", objects::delete_is_idempotent),
    ("copy_duplicates", objects::copy_duplicates),
    ("list_is_recursive_and_sorted", listing::list_is_recursive_and_sorted),
    ("list_respects_prefix_boundaries", listing::list_respects_prefix_boundaries),
    ("list_of_unknown_prefix_is_empty", listing::list_of_unknown_prefix_is_empty),
    ("list_everything", listing::list_everything),
    ("list_sizes_are_object_lengths", listing::list_sizes_are_object_lengths),
    ("invalid_keys_are_rejected", keys::invalid_keys_are_rejected),
    ("invalid_prefixes_are_rejected", keys::invalid_prefixes_are_rejected),
    ("unusual_valid_keys_round_trip", keys::unusual_valid_keys_round_trip),
    ("large_file_round_trip", files::large_file_round_trip),
    ("get_file_replaces_local_file", files::get_file_replaces_local_file),
    ("get_file_of_missing_key_leaves_local_untouched", files::get_file_of_missing_key_leaves_local_untouched),
    ("put_file_of_missing_local_file_fails", files::put_file_of_missing_local_file_fails),
    ("concurrent_put_new_has_one_winner", concurrency::concurrent_put_new_has_one_winner),
    ("concurrent_puts_are_never_torn", concurrency::concurrent_puts_are_never_torn),
];

/// Runs every check in [`CHECKS`] against `storage`, which may hold other objects (only keys
/// under `conformance/` are written and deleted).
///
/// # Panics
/// When any check fails, after running all of them; the message lists the failed checks, and
/// each check's own panic message, printed as it happens, says what differed.
pub fn run_all(storage: &dyn Storage) {
    let failed = failures(storage);
    assert!(
        failed.is_empty(),
        "{} of {} storage conformance checks failed on {storage:?}: {}",
        failed.len(),
        CHECKS.len(),
        failed.join(", ")
    );
}

/// The names of the checks that `storage` fails.
fn failures(storage: &dyn Storage) -> Vec<&'static str> {
    CHECKS
        .iter()
        .filter(|(_, check)| catch_unwind(AssertUnwindSafe(|| check(storage))).is_err())
        .map(|(name, _)| *name)
        .collect()
}

/// The prefix reserved for `check`, emptied of whatever an earlier run left there.
fn fresh(storage: &dyn Storage, check: &str) -> String {
    let prefix = format!("conformance/{check}/");
    for key in storage.list(&prefix).expect("list the check's prefix") {
        storage.delete(&key).expect("clear the check's prefix");
    }
    prefix
}

/// Asserts that `result` failed in the way `expected` recognises, and returns the error.
#[track_caller]
fn expect_err<T: Debug>(
    result: Result<T, StorageError>,
    expected: fn(&StorageError) -> bool,
    what: &str,
) -> StorageError {
    match result {
        Err(e) if expected(&e) => e,
        other => panic!("{what}: got {other:?}"),
    }
}

/// `len` bytes that differ from position to position, so that reordered, repeated or dropped
/// chunks are noticed (a constant fill would hide them).
fn pattern(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect()
}
