//! The SDK's side of the request parts that training jobs and tuning jobs' training job
//! definitions share (channels, output, resources, stopping condition, checkpoints, metrics, input
//! mode) and of every job's tags: each part is converted once, here. `at` prefixes the field names
//! of wire-format errors (`""` for a training job, `"TrainingJobDefinition."` inside a tuning job).

use aws_sdk_sagemaker::types as sdk;

use super::client::wire_int;
use super::error::SageMakerError;
use super::tag::Tag;
use super::training_request::{
    Channel, CheckpointConfig, CompressionType, MetricDefinition, OutputDataConfig, ResourceConfig,
    S3DataDistributionType, S3DataType, StoppingCondition, TrainingInputMode,
};

/// `$builder` (a `CreateTrainingJob` call or a tuning job's training job definition builder) with
/// every field of the [`TrainingJobSetup`](super::training_request::TrainingJobSetup) `$setup`
/// set. The two SDK builders spell these setters the same but share no trait, hence a macro; it
/// uses `?`, so the caller returns `Result<_, SageMakerError>`. `$at` prefixes error field names.
macro_rules! with_setup {
    ($builder:expr, $at:expr, $setup:expr) => {{
        use $crate::sagemaker::sdk_parts as parts;
        let setup: &$crate::sagemaker::TrainingJobSetup = $setup;
        $builder
            .set_input_data_config(Some(setup.input_data_config.iter().map(parts::channel).collect()))
            .output_data_config(parts::output_data_config(&setup.output_data_config))
            .resource_config(parts::resource_config($at, &setup.resource_config)?)
            .stopping_condition(parts::stopping_condition($at, &setup.stopping_condition)?)
            .enable_managed_spot_training(setup.enable_managed_spot_training)
            .set_environment(Some(setup.environment.clone().into_iter().collect()))
            .set_checkpoint_config(parts::checkpoint_config(setup.checkpoint_config.as_ref()))
    }};
}
pub(crate) use with_setup;

/// The metric regexes; `None` when there are none, so the field is left out as before.
pub(crate) fn metric_definitions(metrics: &[MetricDefinition]) -> Option<Vec<sdk::MetricDefinition>> {
    let built: Vec<_> =
        metrics.iter().map(|m| sdk::MetricDefinition::builder().name(&m.name).regex(&m.regex).build()).collect();
    (!built.is_empty()).then_some(built)
}

/// The input mode.
pub(crate) fn input_mode(mode: TrainingInputMode) -> sdk::TrainingInputMode {
    match mode {
        TrainingInputMode::File => sdk::TrainingInputMode::File,
    }
}

/// The time limits.
pub(crate) fn stopping_condition(
    at: &str,
    stopping: &StoppingCondition,
) -> Result<sdk::StoppingCondition, SageMakerError> {
    let runtime = wire_int(&format!("{at}StoppingCondition.MaxRuntimeInSeconds"), stopping.max_runtime_in_seconds)?;
    let wait = match stopping.max_wait_time_in_seconds {
        Some(wait) => Some(wire_int(&format!("{at}StoppingCondition.MaxWaitTimeInSeconds"), wait)?),
        None => None,
    };
    Ok(sdk::StoppingCondition::builder().max_runtime_in_seconds(runtime).set_max_wait_time_in_seconds(wait).build())
}

/// The instances and their storage.
pub(crate) fn resource_config(at: &str, resources: &ResourceConfig) -> Result<sdk::ResourceConfig, SageMakerError> {
    Ok(sdk::ResourceConfig::builder()
        .instance_type(sdk::TrainingInstanceType::from(resources.instance_type.as_str()))
        .instance_count(wire_int(&format!("{at}ResourceConfig.InstanceCount"), resources.instance_count.into())?)
        .volume_size_in_gb(wire_int(&format!("{at}ResourceConfig.VolumeSizeInGB"), resources.volume_size_in_gb.into())?)
        .build())
}

/// Where the model archive goes.
pub(crate) fn output_data_config(output: &OutputDataConfig) -> sdk::OutputDataConfig {
    sdk::OutputDataConfig::builder().s3_output_path(&output.s3_output_path).build()
}

/// Where `/opt/ml/checkpoints` is synced, when it is.
pub(crate) fn checkpoint_config(checkpoint: Option<&CheckpointConfig>) -> Option<sdk::CheckpointConfig> {
    checkpoint.map(|c| sdk::CheckpointConfig::builder().s3_uri(&c.s3_uri).local_path(&c.local_path).build())
}

/// The tags on a job.
pub(crate) fn tags(tags: &[Tag]) -> Vec<sdk::Tag> {
    tags.iter().map(|t| sdk::Tag::builder().key(&t.key).value(&t.value).build()).collect()
}

/// A channel.
pub(crate) fn channel(channel: &Channel) -> sdk::Channel {
    let source = &channel.data_source.s3_data_source;
    let s3 = sdk::S3DataSource::builder()
        .s3_data_type(match source.s3_data_type {
            S3DataType::S3Prefix => sdk::S3DataType::S3Prefix,
        })
        .s3_uri(&source.s3_uri)
        .s3_data_distribution_type(match source.s3_data_distribution_type {
            S3DataDistributionType::FullyReplicated => sdk::S3DataDistribution::FullyReplicated,
        })
        .build();
    sdk::Channel::builder()
        .channel_name(&channel.channel_name)
        .data_source(sdk::DataSource::builder().s3_data_source(s3).build())
        .set_content_type(channel.content_type.clone())
        .compression_type(match channel.compression_type {
            CompressionType::None => sdk::CompressionType::None,
        })
        .build()
}
