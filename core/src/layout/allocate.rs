//! Run numbers: listing an experiment's runs and claiming the next free one with a create-only
//! write, which is atomic across processes and machines sharing the storage.

use super::{ExperimentLayout, RunLayout};
use crate::storage::{Storage, StorageError};
use std::collections::BTreeSet;

const MAX_ALLOCATION_ATTEMPTS: u64 = 10_000;

/// The numbers of the experiment's runs, ascending. Folders under `runs/` whose name is not a
/// number written canonically (`7`, not `007` or `seven`) are ignored.
///
/// # Errors
/// Whatever listing `runs/` returns.
pub fn list_runs(storage: &dyn Storage, layout: &ExperimentLayout) -> Result<Vec<u64>, StorageError> {
    let prefix = layout.runs_prefix();
    let nums: BTreeSet<u64> = storage
        .list(&prefix)?
        .iter()
        .filter_map(|key| key.strip_prefix(&prefix)?.split_once('/'))
        .filter_map(|(folder, _)| folder.parse::<u64>().ok().filter(|n| n.to_string() == folder))
        .collect();
    Ok(nums.into_iter().collect())
}

/// Takes the next free run number (the highest existing plus one, from 1) by writing
/// `claim_body` to its [`RunLayout::claim`] create-only. When another process took that number
/// first, tries the next one; concurrent callers, in any number of processes sharing the
/// storage, all get distinct numbers.
///
/// # Errors
/// Listing or writing errors from `storage`, and [`StorageError::Other`] when
/// `MAX_ALLOCATION_ATTEMPTS` (10,000) numbers in a row were taken.
pub fn allocate_run(
    storage: &dyn Storage,
    layout: &ExperimentLayout,
    claim_body: &[u8],
) -> Result<RunLayout, StorageError> {
    let mut num = list_runs(storage, layout)?.last().map_or(1, |n| n.saturating_add(1));
    for _ in 0..MAX_ALLOCATION_ATTEMPTS {
        let run = layout.run(num);
        match storage.put_new(&run.claim(), claim_body) {
            Ok(()) => {
                tracing::debug!(run = num, uri = %storage.uri(&run.prefix()), "allocated a run");
                return Ok(run);
            }
            Err(e) if e.is_already_exists() && num < u64::MAX => num += 1,
            Err(e) => return Err(e),
        }
    }
    Err(StorageError::Other {
        uri: storage.uri(&layout.runs_prefix()),
        message: format!("no free run number after {MAX_ALLOCATION_ATTEMPTS} attempts"),
    })
}
