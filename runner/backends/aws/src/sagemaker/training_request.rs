//! [`TrainingJobRequest`]: the body of SageMaker's `CreateTrainingJob`, as plain data. Serialising
//! it gives exactly the API's JSON (field names from the AWS API reference), which is what
//! `--dry-run` prints; `training_api` turns the same value into the SDK's builder calls. Only the
//! fields mlpipe sets exist; maps are `BTreeMap`s so the JSON is stable.

use std::collections::BTreeMap;

use serde::Serialize;

use super::tag::Tag;

/// `CreateTrainingJob`'s request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrainingJobRequest {
    /// Unique per account and region; `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
    pub training_job_name: String,
    /// The IAM role the job runs as.
    pub role_arn: String,
    /// Image, input mode and the metrics SageMaker scrapes from the logs.
    pub algorithm_specification: AlgorithmSpecification,
    /// Passed to the container as `/opt/ml/input/config/hyperparameters.json`.
    pub hyper_parameters: BTreeMap<String, String>,
    /// Channels, output, resources, limits, spot, checkpoints and environment, shared with a tuning
    /// job's training job definition.
    #[serde(flatten)]
    pub setup: TrainingJobSetup,
    /// SageMaker's profiler, switched off.
    pub profiler_config: ProfilerConfig,
    /// Tags on the job.
    pub tags: Vec<Tag>,
}

/// The fields that `CreateTrainingJob` and a tuning job's `HyperParameterTrainingJobDefinition`
/// both carry, in the API's order; flattened into both, so they are declared and built once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrainingJobSetup {
    /// The channels SageMaker downloads to `/opt/ml/input/data/<name>/`.
    pub input_data_config: Vec<Channel>,
    /// Where SageMaker uploads `/opt/ml/model` as `<job>/output/model.tar.gz`.
    pub output_data_config: OutputDataConfig,
    /// Instances and their storage.
    pub resource_config: ResourceConfig,
    /// Time limits.
    pub stopping_condition: StoppingCondition,
    /// Run on spot capacity (needs `MaxWaitTimeInSeconds` and a checkpoint config).
    pub enable_managed_spot_training: bool,
    /// Where SageMaker syncs `/opt/ml/checkpoints`, so a spot interruption resumes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_config: Option<CheckpointConfig>,
    /// Extra environment variables of the container.
    pub environment: BTreeMap<String, String>,
}

/// `AlgorithmSpecification`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlgorithmSpecification {
    /// The ECR image.
    pub training_image: String,
    /// How channels reach the container.
    pub training_input_mode: TrainingInputMode,
    /// Regexes SageMaker applies to the job's log lines (at most 40).
    pub metric_definitions: Vec<MetricDefinition>,
    /// Keep every metric value, not only the last (for the console's charts).
    #[serde(rename = "EnableSageMakerMetricsTimeSeries")]
    pub enable_sagemaker_metrics_time_series: bool,
}

/// `TrainingInputMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TrainingInputMode {
    /// The channels are downloaded before the container starts.
    File,
}

/// `MetricDefinition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MetricDefinition {
    /// The metric's name, e.g. `validation:macro_f1`.
    pub name: String,
    /// A regex whose first group captures the value.
    pub regex: String,
}

/// `Channel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Channel {
    /// `[A-Za-z0-9.\-_]+`, at most 64 characters.
    pub channel_name: String,
    /// Where the channel's objects are.
    pub data_source: DataSource,
    /// MIME type, informational for custom images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Whether the objects are compressed.
    pub compression_type: CompressionType,
}

/// `DataSource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataSource {
    /// The S3 objects.
    pub s3_data_source: S3DataSource,
}

/// `S3DataSource`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct S3DataSource {
    /// How `S3Uri` selects objects.
    pub s3_data_type: S3DataType,
    /// The prefix (or single object) to download.
    pub s3_uri: String,
    /// Whether every instance gets all objects.
    pub s3_data_distribution_type: S3DataDistributionType,
}

/// `S3DataType` (also `ProcessingS3DataType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum S3DataType {
    /// Every object whose key starts with the URI's key.
    S3Prefix,
}

/// `S3DataDistributionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum S3DataDistributionType {
    /// Every instance gets a full copy (each worker reads its own shard itself).
    FullyReplicated,
}

/// `CompressionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompressionType {
    /// The objects are used as stored.
    None,
}

/// `OutputDataConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OutputDataConfig {
    /// `s3://…/`; SageMaker writes `<job>/output/model.tar.gz` under it.
    pub s3_output_path: String,
}

/// `ResourceConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceConfig {
    /// `ml.<family>.<size>`.
    pub instance_type: String,
    /// Instances, >= 1.
    pub instance_count: u32,
    /// EBS storage per instance, 1..=16384 GB.
    #[serde(rename = "VolumeSizeInGB")]
    pub volume_size_in_gb: u32,
}

/// `StoppingCondition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StoppingCondition {
    /// Limit on training time, 1..=2419200 (28 days).
    pub max_runtime_in_seconds: u64,
    /// Limit including waits for spot capacity; only with spot training.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_wait_time_in_seconds: Option<u64>,
}

/// `CheckpointConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CheckpointConfig {
    /// The S3 prefix kept in sync with `LocalPath`.
    pub s3_uri: String,
    /// The folder in the container.
    pub local_path: String,
}

/// `ProfilerConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProfilerConfig {
    /// `true`: no system or framework profiling (and no profiler rules).
    pub disable_profiler: bool,
}
