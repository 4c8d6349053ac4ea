//! The one place that names keys in the rendezvous store. Groups use torch.distributed's layout
//! for its default group, so a Python rank started with `init_process_group` (or by torchrun)
//! finds our keys and we find its:
//!
//! ```text
//! PrefixStore("<device>/", PrefixStore("<group name>/", PrefixStore("default_pg", TCPStore)))
//! ```
//!
//! torch names groups by a per-process counter (`_world.group_count`: the default group is "0").
//! We count per store address and rank: a process's first group on a store is "0" as in Python,
//! and a later group on the same store (torchrun's agent store outlives groups) gets fresh keys.
//! Keying by rank as well keeps ranks that share one process (the tests run each rank in a
//! thread) counting independently, as separate processes would.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::{Backend, GroupConfig};

/// torch.distributed's prefix for the default group's store (`distributed_c10d.py`).
const DEFAULT_GROUP_PREFIX: &str = "default_pg";

/// Groups created so far per (store host, store port, rank).
static GROUP_COUNTS: Mutex<BTreeMap<(String, u16, usize), usize>> = Mutex::new(BTreeMap::new());

/// The PrefixStore prefixes for a new group, outermost first. Each call counts as one group
/// created, so ranks must create their groups in the same order (as torch.distributed requires).
pub(crate) fn next_group_prefixes(config: &GroupConfig) -> Vec<String> {
    let key = (config.master_addr.clone(), config.master_port, config.rank);
    let index = {
        let mut counts = GROUP_COUNTS.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = counts.entry(key).or_insert(0);
        *count += 1;
        *count - 1
    };
    group_prefixes(index, config.backend)
}

/// The prefixes of the `index`-th group on a store.
fn group_prefixes(index: usize, backend: Backend) -> Vec<String> {
    // torch's backend config maps "gloo" to the cpu device first and "nccl" to cuda.
    vec![DEFAULT_GROUP_PREFIX.to_string(), format!("{index}/"), format!("{}/", backend.device_name())]
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn config(port: u16, rank: usize) -> GroupConfig {
        GroupConfig {
            backend: Backend::Gloo,
            rank,
            world_size: 2,
            master_addr: "127.0.0.1".into(),
            master_port: port,
            is_store_server: rank == 0,
            timeout: Duration::from_secs(1),
        }
    }

    #[test]
    fn first_group_uses_torch_default_group_keys() {
        assert_eq!(group_prefixes(0, Backend::Gloo), ["default_pg", "0/", "cpu/"]);
        assert_eq!(group_prefixes(0, Backend::Nccl), ["default_pg", "0/", "cuda/"]);
    }

    #[test]
    fn later_groups_on_one_store_get_fresh_names_per_rank() {
        // Port 1 is never used by the real tests, which bind ephemeral ports.
        assert_eq!(next_group_prefixes(&config(1, 0))[1], "0/");
        assert_eq!(next_group_prefixes(&config(1, 1))[1], "0/");
        assert_eq!(next_group_prefixes(&config(1, 0))[1], "1/");
        assert_eq!(next_group_prefixes(&config(1, 1))[1], "1/");
    }
}
