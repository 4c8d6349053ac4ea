//! [`ProcessingJobRequest`]: the body of SageMaker's `CreateProcessingJob`, as plain data.
//! Serialising it gives exactly the API's JSON, which `--dry-run` prints; `processing_api` turns
//! the same value into the SDK's builder calls. Only the fields mlpipe sets exist.

use std::collections::BTreeMap;

use serde::Serialize;

use super::tag::Tag;
use super::training_request::S3DataType;

/// `CreateProcessingJob`'s request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingJobRequest {
    /// Unique per account and region; `^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`.
    pub processing_job_name: String,
    /// The IAM role the job runs as.
    pub role_arn: String,
    /// Image, entrypoint and arguments.
    pub app_specification: AppSpecification,
    /// Instances and their storage.
    pub processing_resources: ProcessingResources,
    /// Objects SageMaker downloads before the container starts.
    pub processing_inputs: Vec<ProcessingInput>,
    /// Time limit.
    pub stopping_condition: ProcessingStoppingCondition,
    /// Extra environment variables of the container.
    pub environment: BTreeMap<String, String>,
    /// Tags on the job.
    pub tags: Vec<Tag>,
}

/// `AppSpecification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AppSpecification {
    /// The ECR image.
    pub image_uri: String,
    /// Replaces the image's ENTRYPOINT.
    pub container_entrypoint: Vec<String>,
    /// Appended to the entrypoint.
    pub container_arguments: Vec<String>,
}

/// `ProcessingResources`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingResources {
    /// The instances.
    pub cluster_config: ProcessingClusterConfig,
}

/// `ProcessingClusterConfig`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingClusterConfig {
    /// Instances, 1..=100.
    pub instance_count: u32,
    /// `ml.<family>.<size>`.
    pub instance_type: String,
    /// EBS storage per instance, 1..=16384 GB.
    #[serde(rename = "VolumeSizeInGB")]
    pub volume_size_in_gb: u32,
}

/// `ProcessingInput`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingInput {
    /// The input's name.
    pub input_name: String,
    /// Where it comes from and where it goes.
    pub s3_input: ProcessingS3Input,
}

/// `ProcessingS3Input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingS3Input {
    /// The object or prefix to download.
    pub s3_uri: String,
    /// The folder in the container, under `/opt/ml/processing/`.
    pub local_path: String,
    /// How `S3Uri` selects objects.
    pub s3_data_type: S3DataType,
    /// How the objects reach the container.
    pub s3_input_mode: S3InputMode,
}

/// `S3InputMode` of a processing input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum S3InputMode {
    /// Downloaded before the container starts.
    File,
}

/// `ProcessingStoppingCondition`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessingStoppingCondition {
    /// Limit on run time, 1..=777600 (9 days).
    pub max_runtime_in_seconds: u64,
}
