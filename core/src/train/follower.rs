//! The trainer's policy on replicas other than rank 0 in data-parallel training: nothing but
//! saying where checkpoints are. Rank 0 alone logs metrics, keeps the best model and writes
//! checkpoints, and every replica holds the same parameters, so the others have nothing to add
//! (early stopping runs on every replica, composed beside this hook, so that all stop together).

use super::hooks::Hooks;

/// The hook of a follower replica.
pub struct Follower;

impl Hooks for Follower {
    fn last_checkpoint(&self) -> Option<String> {
        Some("rank 0 keeps the checkpoints".into())
    }
}
