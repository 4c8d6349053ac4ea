//! Training: one model's prepared data in memory ([`dataset`]), batches with dynamic padding
//! ([`batching`]), the optimiser and learning-rate schedule the host owns ([`optim`],
//! [`schedule`]), the loss ([`loss`]), which rows an epoch visits ([`sampler`]), the loop itself ([`trainer`], mechanism) and its progress ([`state`]),
//! evaluation ([`evaluate`]), the metric line format ([`metric_log`]) and the TorchScript export
//! ([`export`]).

pub mod autocast;
pub mod batching;
pub mod config;
pub mod console;
pub mod dataset;
pub mod evaluate;
pub mod export;
pub mod follower_hooks;
pub mod loss;
pub mod metric_log;
pub mod optim;
pub mod run_hooks;
pub mod sampler;
pub mod schedule;
pub mod state;
pub mod trainer;
