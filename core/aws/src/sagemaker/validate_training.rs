//! [`validate_training`]: every rule of `CreateTrainingJob` that can be checked without asking AWS,
//! so a typo fails in a second on the laptop instead of minutes later (or, for metric regexes, never
//! visibly) in SageMaker. Limits are from the AWS API reference; the first broken rule is reported.

use std::collections::BTreeSet;

use mlpipe_core::settings as shapes;

use super::checks::{self, chars, count, invalid, range, s3_uri, shape, Check};
use super::instance_type::{instance_type, JobKind};
use super::metric_regex;
use super::training_request::{Channel, TrainingJobRequest};

/// SageMaker's limit on a training job's `MaxRuntimeInSeconds`: 28 days.
pub const MAX_TRAINING_RUNTIME_SECS: u64 = 2_419_200;

/// Checks `request` against SageMaker's rules for `CreateTrainingJob`.
///
/// # Errors
///
/// [`SageMakerError::Invalid`](super::SageMakerError::Invalid) naming the first field that breaks a
/// rule.
pub fn validate_training(request: &TrainingJobRequest) -> Check {
    checks::job_name("TrainingJobName", &request.training_job_name)?;
    shape("RoleArn", &request.role_arn, shapes::role_arn)?;
    algorithm(request)?;
    hyper_parameters(request)?;
    channels(&request.input_data_config)?;
    s3_uri("OutputDataConfig.S3OutputPath", &request.output_data_config.s3_output_path)?;
    resources(request)?;
    stopping(request)?;
    if let Some(checkpoint) = &request.checkpoint_config {
        s3_uri("CheckpointConfig.S3Uri", &checkpoint.s3_uri)?;
        let local = &checkpoint.local_path;
        if !local.starts_with('/') {
            return Err(invalid("CheckpointConfig.LocalPath", local, "expected an absolute path"));
        }
        chars("CheckpointConfig.LocalPath", local, 1, 4096)?;
    }
    checks::environment(&request.environment, 512, 512)?;
    checks::tags(&request.tags)
}

fn algorithm(request: &TrainingJobRequest) -> Check {
    let spec = &request.algorithm_specification;
    shape("AlgorithmSpecification.TrainingImage", &spec.training_image, shapes::image_uri)?;
    count("AlgorithmSpecification.MetricDefinitions", spec.metric_definitions.len(), 40, "metric definitions")?;
    for (i, metric) in spec.metric_definitions.iter().enumerate() {
        let field = format!("AlgorithmSpecification.MetricDefinitions[{i}]");
        chars(&format!("{field}.Name"), &metric.name, 1, 255)?;
        chars(&format!("{field}.Regex"), &metric.regex, 1, 500)?;
        metric_regex::check(&metric.regex)
            .map_err(|problem| invalid(format!("{field}.Regex"), &metric.regex, problem))?;
    }
    Ok(())
}

fn hyper_parameters(request: &TrainingJobRequest) -> Check {
    let params = &request.hyper_parameters;
    count("HyperParameters", params.len(), 100, "entries")?;
    for (key, value) in params {
        chars("HyperParameters", key, 1, 256)?;
        chars(&format!("HyperParameters.{key}"), value, 0, 2500)?;
    }
    Ok(())
}

fn channels(channels: &[Channel]) -> Check {
    count("InputDataConfig", channels.len(), 20, "channels")?;
    let mut seen = BTreeSet::new();
    for (i, channel) in channels.iter().enumerate() {
        let field = format!("InputDataConfig[{i}].ChannelName");
        checks::channel_name(&field, &channel.channel_name)?;
        if !seen.insert(&channel.channel_name) {
            return Err(invalid(field, &channel.channel_name, "channel names must be unique"));
        }
        let uri = &channel.data_source.s3_data_source.s3_uri;
        s3_uri(&format!("InputDataConfig[{i}].DataSource.S3DataSource.S3Uri"), uri)?;
    }
    Ok(())
}

fn resources(request: &TrainingJobRequest) -> Check {
    let resources = &request.resource_config;
    instance_type("ResourceConfig.InstanceType", &resources.instance_type, JobKind::Training)?;
    // SageMaker has no documented upper bound; i32 is the wire type.
    range("ResourceConfig.InstanceCount", resources.instance_count.into(), 1, i32::MAX as u64)?;
    range("ResourceConfig.VolumeSizeInGB", resources.volume_size_in_gb.into(), 1, 16384)
}

fn stopping(request: &TrainingJobRequest) -> Check {
    let stopping = &request.stopping_condition;
    let runtime = stopping.max_runtime_in_seconds;
    range("StoppingCondition.MaxRuntimeInSeconds", runtime, 1, MAX_TRAINING_RUNTIME_SECS)?;
    let wait_field = "StoppingCondition.MaxWaitTimeInSeconds";
    match (request.enable_managed_spot_training, stopping.max_wait_time_in_seconds) {
        (false, None) => Ok(()),
        (false, Some(wait)) => {
            Err(invalid(wait_field, &wait.to_string(), "only allowed with EnableManagedSpotTraining = true"))
        }
        (true, None) => Err(invalid(
            wait_field,
            "",
            format!("managed spot training needs a wait limit of at least MaxRuntimeInSeconds ({runtime})"),
        )),
        (true, Some(wait)) if wait < runtime => {
            Err(invalid(wait_field, &wait.to_string(), format!("expected at least MaxRuntimeInSeconds ({runtime})")))
        }
        (true, Some(wait)) => {
            range(wait_field, wait, 1, i32::MAX as u64)?;
            if request.checkpoint_config.is_none() {
                let problem = "managed spot training needs a checkpoint config to resume after an interruption";
                return Err(invalid("CheckpointConfig", "", problem));
            }
            Ok(())
        }
    }
}
