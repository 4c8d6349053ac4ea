//! SageMaker's container contract: what the `runner --container` image finds under `/opt/ml`
//! ([`OptMl`]) and leaves there. A training job ([`TrainingContract`]) trains one model: its
//! hyperparameters become settings overrides, its data channel becomes a local experiment under
//! `/opt/ml/checkpoints/` ([`TrainingContract::local_job`]) and the trained run is exported to
//! `/opt/ml/model/` ([`TrainingContract::export_model`]). A processing job
//! ([`ProcessingContract`]) only needs its settings file. Failures go to `/opt/ml/output/failure`
//! ([`write_failure`]).

mod entry;
mod error;
mod export;
mod failure;
mod hosts;
mod hyperparameters;
mod json_file;
mod local_job;
mod mirror;
mod narrow;
mod opt_ml;
mod processing;
mod resources;
mod training;

pub use entry::run_in_container;
pub use error::ContainerError;
pub use failure::{write_failure, MAX_FAILURE_BYTES};
pub use hosts::{export_sagemaker_hosts, sagemaker_host_vars};
pub use hyperparameters::{Hyperparameters, MODEL_KEY, RUN_KEY};
pub use local_job::LocalTraining;
pub use opt_ml::{OptMl, DEFAULT_OPT_ML, OPT_ML_VAR};
pub use processing::ProcessingContract;
pub use resources::ResourceConfig;
pub use training::TrainingContract;
