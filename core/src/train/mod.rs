//! Training: one model's prepared data in memory ([`dataset`]), batches with dynamic padding
//! ([`batching`]), the optimiser and learning-rate schedule the host owns ([`optim`],
//! [`schedule`]), the loss ([`loss`]), which rows an epoch visits ([`sampler`]), the loop itself ([`trainer`], mechanism) and its progress ([`state`]), the events it reports
//! ([`hooks`]) and the policies that answer them, one per file ([`progress`], [`metrics_file`],
//! [`checkpoint_keeper`], [`early_stopping`], [`follower`]),
//! evaluation ([`evaluate`]), the metric line format ([`metric_log`]), a model's headline ([`outcome`]) and the TorchScript export
//! ([`export`]).

pub mod autocast;
pub mod batching;
pub mod checkpoint_keeper;
pub mod config;
pub mod console;
pub mod dataset;
pub mod early_stopping;
pub mod evaluate;
pub mod export;
pub mod follower;
pub mod hooks;
pub mod loss;
pub mod metric_log;
pub mod metrics_file;
pub mod optim;
pub mod outcome;
pub mod progress;
pub mod sampler;
pub mod schedule;
pub mod state;
pub mod trainer;
