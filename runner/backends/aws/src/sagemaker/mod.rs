//! SageMaker jobs for mlpipe: one training job per model of a run, or with a `[tuning]` search
//! space one hyperparameter tuning job per model, and processing jobs for the `reconcile`,
//! `prepare` and `infer` steps, all running the mlpipe image.
//!
//! The path of a job: the settings become a typed request ([`training_job_request`],
//! [`tuning_job_request`], [`processing_job_request`]) that serialises to exactly the API's JSON
//! ([`dry_run_json`]); the request is checked against SageMaker's rules locally
//! ([`validate_training`], [`validate_tuning`], [`validate_processing`]); then [`SageMaker`]
//! submits it and waits (one generic client, [`SageMaker::create_job`] and friends, for every
//! [`JobKind`]), reporting status changes and stopping the job on Ctrl-C. A tuning job's
//! training jobs are then listed as [`TuningTrial`]s. What the container expects is in
//! [`contract`].

mod build_processing;
mod build_training;
mod build_tuning;
mod checks;
mod client;
pub mod contract;
mod dry_run;
mod error;
mod instance_type;
mod job_kind;
mod job_name;
mod jobs;
mod metric_regex;
mod processing_api;
mod processing_request;
mod sdk_parts;
mod status;
mod tag;
mod training_api;
mod training_request;
mod tuning_api;
mod tuning_request;
mod tuning_status;
mod tuning_trials;
mod validate_processing;
mod validate_training;
mod validate_tuning;
mod wait;

#[cfg(test)]
mod tests;

pub use build_processing::{processing_job_request, ProcessingJobSpec, ProcessingStep};
pub use build_training::{training_job_request, TrainingJobSpec};
pub use build_tuning::{tuned_hyperparameter, tuning_job_request};
pub use client::{SageMaker, SageMakerClientConfig, StaticCredentials};
pub use dry_run::{dry_run_json, JobRequest};
pub use error::SageMakerError;
pub use job_kind::JobKind;
pub use job_name::{job_name, tuning_job_name, utc_stamp, MAX_JOB_NAME, MAX_TUNING_JOB_NAME};
pub use processing_api::ProcessingJob;
pub use processing_request::{
    AppSpecification, ProcessingClusterConfig, ProcessingInput, ProcessingJobRequest, ProcessingResources,
    ProcessingS3Input, ProcessingStoppingCondition, S3InputMode,
};
pub use status::{JobState, JobStatus};
pub use tag::Tag;
pub use training_api::TrainingJob;
pub use training_request::{
    AlgorithmSpecification, Channel, CheckpointConfig, CompressionType, DataSource, MetricDefinition, OutputDataConfig,
    ProfilerConfig, ResourceConfig, S3DataDistributionType, S3DataSource, S3DataType, StoppingCondition,
    TrainingInputMode, TrainingJobRequest, TrainingJobSetup,
};
pub use tuning_api::TuningJob;
pub use tuning_request::{
    BestObjectiveNotImproving, CategoricalParameterRange, CompletionCriteria, ContinuousParameterRange,
    EarlyStoppingType, HyperbandStrategyConfig, IntegerParameterRange, NumericParameterRange, ObjectiveType,
    ParameterRanges, ResourceLimits, ScalingType, StrategyConfig, TuningAlgorithmSpecification, TuningJobConfig,
    TuningJobRequest, TuningObjective, TuningStrategyType, TuningTrainingJobDefinition,
};
pub use tuning_status::{BestTrainingJob, TrainingJobCounts, TuningJobStatus};
pub use tuning_trials::TuningTrial;
pub use validate_processing::{validate_processing, MAX_PROCESSING_RUNTIME_SECS};
pub use validate_training::{validate_training, MAX_TRAINING_RUNTIME_SECS};
pub use validate_tuning::{validate_tuning, MAX_CATEGORICAL_VALUES, MAX_PARAMETER_RANGES};
pub use wait::Observed;
