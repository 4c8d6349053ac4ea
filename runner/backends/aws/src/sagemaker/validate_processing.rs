//! [`validate_processing`]: every rule of `CreateProcessingJob` that can be checked without asking
//! AWS. Limits are from the AWS API reference; the first broken rule is reported.

use std::collections::BTreeSet;

use mlpipe_core::settings as shapes;

use super::checks::{self, chars, count, invalid, range, s3_uri, shape, Check};
use super::instance_type::{instance_type, JobKind};
use super::processing_request::{AppSpecification, ProcessingInput, ProcessingJobRequest};

/// SageMaker's limit on a processing job's `MaxRuntimeInSeconds`: 9 days.
pub const MAX_PROCESSING_RUNTIME_SECS: u64 = 777_600;

/// Where SageMaker lets processing inputs be downloaded.
const PROCESSING_ROOT: &str = "/opt/ml/processing/";

/// Checks `request` against SageMaker's rules for `CreateProcessingJob`.
///
/// # Errors
///
/// [`SageMakerError::Invalid`](super::SageMakerError::Invalid) naming the first field that breaks a
/// rule.
pub fn validate_processing(request: &ProcessingJobRequest) -> Check {
    checks::job_name("ProcessingJobName", &request.processing_job_name)?;
    shape("RoleArn", &request.role_arn, shapes::role_arn)?;
    app(&request.app_specification)?;
    let cluster = &request.processing_resources.cluster_config;
    instance_type("ProcessingResources.ClusterConfig.InstanceType", &cluster.instance_type, JobKind::Processing)?;
    range("ProcessingResources.ClusterConfig.InstanceCount", cluster.instance_count.into(), 1, 100)?;
    range("ProcessingResources.ClusterConfig.VolumeSizeInGB", cluster.volume_size_in_gb.into(), 1, 16384)?;
    inputs(&request.processing_inputs)?;
    let runtime = request.stopping_condition.max_runtime_in_seconds;
    range("StoppingCondition.MaxRuntimeInSeconds", runtime, 1, MAX_PROCESSING_RUNTIME_SECS)?;
    checks::environment(&request.environment, 256, 256)?;
    checks::tags(&request.tags)
}

fn app(app: &AppSpecification) -> Check {
    shape("AppSpecification.ImageUri", &app.image_uri, shapes::image_uri)?;
    if app.container_entrypoint.is_empty() {
        return Err(invalid("AppSpecification.ContainerEntrypoint", "", "expected at least one entry"));
    }
    count("AppSpecification.ContainerEntrypoint", app.container_entrypoint.len(), 100, "entries")?;
    for (i, entry) in app.container_entrypoint.iter().enumerate() {
        chars(&format!("AppSpecification.ContainerEntrypoint[{i}]"), entry, 1, 256)?;
    }
    count("AppSpecification.ContainerArguments", app.container_arguments.len(), 100, "entries")?;
    for (i, argument) in app.container_arguments.iter().enumerate() {
        chars(&format!("AppSpecification.ContainerArguments[{i}]"), argument, 0, 256)?;
    }
    Ok(())
}

fn inputs(inputs: &[ProcessingInput]) -> Check {
    count("ProcessingInputs", inputs.len(), 10, "inputs")?;
    let mut seen = BTreeSet::new();
    for (i, input) in inputs.iter().enumerate() {
        let field = format!("ProcessingInputs[{i}].InputName");
        checks::channel_name(&field, &input.input_name)?;
        if !seen.insert(&input.input_name) {
            return Err(invalid(field, &input.input_name, "input names must be unique"));
        }
        s3_uri(&format!("ProcessingInputs[{i}].S3Input.S3Uri"), &input.s3_input.s3_uri)?;
        let local_field = format!("ProcessingInputs[{i}].S3Input.LocalPath");
        let local = &input.s3_input.local_path;
        if !local.starts_with(PROCESSING_ROOT) || local.len() == PROCESSING_ROOT.len() {
            return Err(invalid(local_field, local, format!("expected a folder under {PROCESSING_ROOT}")));
        }
        chars(&local_field, local, 1, 256)?;
    }
    Ok(())
}
