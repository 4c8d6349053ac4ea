//! The pipeline steps. Each takes a [`Job`](crate::job::Job) and the opened plugin, reads the
//! previous step's files through storage and writes its own, manifest last.

mod compare;
mod confident_errors;
mod infer;
mod infer_ensemble;
mod infer_forward;
mod prepare;
mod prepare_cache;
mod prepare_encode;
mod reconcile;
mod report;
mod snapshot;
mod train;
mod train_hooks;
mod train_outputs;
mod tune;

pub use compare::{mcnemar_exact, PairComparison};
pub use confident_errors::ConfidentError;
pub use infer::{infer, LabelRow, ModelInference};
pub use prepare::{prepare, PrepareReport};
pub use reconcile::{reconcile, ReconcileReport};
pub use snapshot::{read_manifest, Existing};
pub use train::{default_num_processes, open_run, train, train_trial, training_device, TrainReport};
pub use train_outputs::ModelOutcome;
pub use tune::{read_best, tune, write_best, TuneReport};
