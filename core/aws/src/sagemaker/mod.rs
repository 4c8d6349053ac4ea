//! SageMaker jobs for mlpipe: one training job per model of a run, and processing jobs for the
//! `reconcile`, `prepare` and `infer` steps, all running the mlpipe image.
//!
//! The path of a job: the settings become a typed request ([`training_job_request`],
//! [`processing_job_request`]) that serialises to exactly the API's JSON ([`dry_run_json`]); the
//! request is checked against SageMaker's rules locally ([`validate_training`],
//! [`validate_processing`]); then [`SageMaker`] submits it and waits, reporting status changes and
//! stopping the job on Ctrl-C. What the container expects is in [`contract`].

mod build_processing;
mod build_training;
mod checks;
mod client;
pub mod contract;
mod dry_run;
mod error;
mod instance_type;
mod job_name;
mod metric_regex;
mod processing_api;
mod processing_request;
mod status;
mod tag;
mod training_api;
mod training_request;
mod validate_processing;
mod validate_training;
mod wait;

#[cfg(test)]
mod tests;

pub use build_processing::{processing_job_request, ProcessingJobSpec, ProcessingStep};
pub use build_training::{training_job_request, TrainingJobSpec};
pub use client::{SageMaker, SageMakerClientConfig, StaticCredentials};
pub use dry_run::{dry_run_json, JobRequest};
pub use error::SageMakerError;
pub use job_name::{job_name, utc_stamp, MAX_JOB_NAME};
pub use processing_request::{
    AppSpecification, ProcessingClusterConfig, ProcessingInput, ProcessingJobRequest, ProcessingResources,
    ProcessingS3Input, ProcessingStoppingCondition, S3InputMode,
};
pub use status::{JobState, JobStatus};
pub use tag::Tag;
pub use training_request::{
    AlgorithmSpecification, Channel, CheckpointConfig, CompressionType, DataSource, MetricDefinition, OutputDataConfig,
    ProfilerConfig, ResourceConfig, S3DataDistributionType, S3DataSource, S3DataType, StoppingCondition,
    TrainingInputMode, TrainingJobRequest,
};
pub use validate_processing::{validate_processing, MAX_PROCESSING_RUNTIME_SECS};
pub use validate_training::{validate_training, MAX_TRAINING_RUNTIME_SECS};
