//! Hyperparameter tuning: the search strategies ([`search`]), the per-trial records
//! ([`record`]) and the local tuner that runs trials as separate processes and keeps only the best
//! one's outputs ([`tuner`]).

pub mod control;
pub mod hyperband_plan;
pub mod plot;
pub mod prune;
pub mod pruner;
pub mod record;
pub mod search;
pub mod store;
pub mod tuner;
