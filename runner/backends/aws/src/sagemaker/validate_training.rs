//! [`validate_training`]: every rule of `CreateTrainingJob` that can be checked without asking AWS,
//! so a typo fails in a second on the laptop instead of minutes later (or, for metric regexes, never
//! visibly) in SageMaker. Limits are from the AWS API reference; the first broken rule is reported.

use std::collections::{BTreeMap, BTreeSet};

use mlpipe_core::settings as shapes;

use super::checks::{self, chars, count, invalid, range, s3_uri, shape, Check};
use super::instance_type::{instance_type, JobKind};
use super::metric_regex;
use super::training_request::{
    Channel, CheckpointConfig, MetricDefinition, ResourceConfig, StoppingCondition, TrainingJobRequest,
    TrainingJobSetup,
};

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
    let spec = &request.algorithm_specification;
    algorithm("", &spec.training_image, &spec.metric_definitions)?;
    hyper_parameters("HyperParameters", &request.hyper_parameters)?;
    setup("", &request.setup, MAX_ENVIRONMENT)?;
    checks::tags(&request.tags)
}

// The checks below are shared with a tuning job's training job definition, whose fields sit under
// `TrainingJobDefinition.`: `at` is that prefix of every field named ("" for a training job).

/// Variables a training job's `Environment` may hold (a tuning job's definition: 48).
const MAX_ENVIRONMENT: usize = 100;

/// The [`TrainingJobSetup`] fields: channels, output, resources, limits, spot, checkpoints and an
/// environment of at most `max_environment` variables.
pub(super) fn setup(at: &str, setup: &TrainingJobSetup, max_environment: usize) -> Check {
    channels(at, &setup.input_data_config)?;
    s3_uri(&format!("{at}OutputDataConfig.S3OutputPath"), &setup.output_data_config.s3_output_path)?;
    resources(at, &setup.resource_config)?;
    let checkpoint = setup.checkpoint_config.as_ref();
    stopping(at, setup.enable_managed_spot_training, &setup.stopping_condition, checkpoint)?;
    if let Some(checkpoint) = checkpoint {
        checkpoint_config(at, checkpoint)?;
    }
    checks::environment_at(&format!("{at}Environment"), &setup.environment, max_environment, 512, 512)
}

/// The image and the metric definitions (at most 40, each regex well-formed).
pub(crate) fn algorithm(at: &str, image: &str, metrics: &[MetricDefinition]) -> Check {
    shape(&format!("{at}AlgorithmSpecification.TrainingImage"), image, shapes::image_uri)?;
    let field = format!("{at}AlgorithmSpecification.MetricDefinitions");
    count(&field, metrics.len(), 40, "metric definitions")?;
    for (i, metric) in metrics.iter().enumerate() {
        let field = format!("{field}[{i}]");
        chars(&format!("{field}.Name"), &metric.name, 1, 255)?;
        chars(&format!("{field}.Regex"), &metric.regex, 1, 500)?;
        metric_regex::check(&metric.regex)
            .map_err(|problem| invalid(format!("{field}.Regex"), &metric.regex, problem))?;
    }
    Ok(())
}

/// At most 100 hyperparameters, keys of 1..=256 characters, values of at most 2500.
pub(crate) fn hyper_parameters(field: &str, params: &BTreeMap<String, String>) -> Check {
    count(field, params.len(), 100, "entries")?;
    for (key, value) in params {
        chars(field, key, 1, 256)?;
        chars(&format!("{field}.{key}"), value, 0, 2500)?;
    }
    Ok(())
}

/// At most 20 channels with unique, well-formed names and S3 URIs.
pub(crate) fn channels(at: &str, channels: &[Channel]) -> Check {
    count(&format!("{at}InputDataConfig"), channels.len(), 20, "channels")?;
    let mut seen = BTreeSet::new();
    for (i, channel) in channels.iter().enumerate() {
        let field = format!("{at}InputDataConfig[{i}].ChannelName");
        checks::channel_name(&field, &channel.channel_name)?;
        if !seen.insert(&channel.channel_name) {
            return Err(invalid(field, &channel.channel_name, "channel names must be unique"));
        }
        let uri = &channel.data_source.s3_data_source.s3_uri;
        s3_uri(&format!("{at}InputDataConfig[{i}].DataSource.S3DataSource.S3Uri"), uri)?;
    }
    Ok(())
}

/// A training instance type, at least one instance, 1..=16384 GB of storage.
pub(crate) fn resources(at: &str, resources: &ResourceConfig) -> Check {
    instance_type(&format!("{at}ResourceConfig.InstanceType"), &resources.instance_type, JobKind::Training)?;
    // SageMaker has no documented upper bound; i32 is the wire type.
    range(&format!("{at}ResourceConfig.InstanceCount"), resources.instance_count.into(), 1, i32::MAX as u64)?;
    range(&format!("{at}ResourceConfig.VolumeSizeInGB"), resources.volume_size_in_gb.into(), 1, 16384)
}

/// The time limits, and what managed spot training needs: a wait limit no shorter than the
/// runtime, and a checkpoint config.
pub(crate) fn stopping(
    at: &str,
    spot: bool,
    stopping: &StoppingCondition,
    checkpoint: Option<&CheckpointConfig>,
) -> Check {
    let runtime = stopping.max_runtime_in_seconds;
    range(&format!("{at}StoppingCondition.MaxRuntimeInSeconds"), runtime, 1, MAX_TRAINING_RUNTIME_SECS)?;
    let wait_field = format!("{at}StoppingCondition.MaxWaitTimeInSeconds");
    match (spot, stopping.max_wait_time_in_seconds) {
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
            range(&wait_field, wait, 1, i32::MAX as u64)?;
            if checkpoint.is_none() {
                let problem = "managed spot training needs a checkpoint config to resume after an interruption";
                return Err(invalid(format!("{at}CheckpointConfig"), "", problem));
            }
            Ok(())
        }
    }
}

/// An S3 URI and an absolute local path.
pub(crate) fn checkpoint_config(at: &str, checkpoint: &CheckpointConfig) -> Check {
    s3_uri(&format!("{at}CheckpointConfig.S3Uri"), &checkpoint.s3_uri)?;
    let (field, local) = (format!("{at}CheckpointConfig.LocalPath"), &checkpoint.local_path);
    if !local.starts_with('/') {
        return Err(invalid(field, local, "expected an absolute path"));
    }
    chars(&field, local, 1, 4096)
}
