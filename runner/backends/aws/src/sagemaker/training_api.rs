//! Training jobs through the SDK: [`TrainingJob`], the [`JobKind`] whose request is a
//! [`TrainingJobRequest`], turned into `CreateTrainingJob` builder calls (the only place the two
//! meet), and whose describe answer becomes a [`JobStatus`].

use aws_sdk_sagemaker::operation::create_training_job::builders::CreateTrainingJobFluentBuilder;
use aws_sdk_sagemaker::types as sdk;
use aws_sdk_sagemaker::Client;

use super::client::{api_error, wire_int};
use super::error::SageMakerError;
use super::job_kind::JobKind;
use super::status::{JobState, JobStatus};
use super::training_request::{
    Channel, CompressionType, S3DataDistributionType, S3DataType, TrainingInputMode, TrainingJobRequest,
};
use super::validate_training::validate_training;

/// The training job kind: `sagemaker.create_job::<TrainingJob>(&request)`.
#[derive(Debug, Clone, Copy)]
pub struct TrainingJob;

impl JobKind for TrainingJob {
    type Request = TrainingJobRequest;
    type Status = JobStatus;

    fn validate(request: &TrainingJobRequest) -> Result<(), SageMakerError> {
        validate_training(request)
    }

    async fn create(client: &Client, request: &TrainingJobRequest) -> Result<String, SageMakerError> {
        let job = &request.training_job_name;
        let call = create_call(client.create_training_job(), request)?;
        let output = call.send().await.map_err(|e| api_error("CreateTrainingJob", job, e))?;
        Ok(output.training_job_arn().unwrap_or_default().to_string())
    }

    async fn describe(client: &Client, name: &str) -> Result<JobStatus, SageMakerError> {
        let call = client.describe_training_job().training_job_name(name);
        let output = call.send().await.map_err(|e| api_error("DescribeTrainingJob", name, e))?;
        Ok(JobStatus {
            job: name.to_string(),
            state: JobState::parse(output.training_job_status().map_or("", |s| s.as_str())),
            secondary_status: output.secondary_status().map(|s| s.as_str().to_string()),
            failure_reason: output.failure_reason().map(str::to_string),
            model_artifacts: output.model_artifacts().and_then(|a| a.s3_model_artifacts()).map(str::to_string),
        })
    }

    async fn stop(client: &Client, name: &str) -> Result<(), SageMakerError> {
        let call = client.stop_training_job().training_job_name(name);
        call.send().await.map(drop).map_err(|e| api_error("StopTrainingJob", name, e))
    }
}

/// Every field of `request` as a builder call on `call`.
fn create_call(
    call: CreateTrainingJobFluentBuilder,
    request: &TrainingJobRequest,
) -> Result<CreateTrainingJobFluentBuilder, SageMakerError> {
    let spec = &request.algorithm_specification;
    let mut algorithm = sdk::AlgorithmSpecification::builder()
        .training_image(&spec.training_image)
        .training_input_mode(match spec.training_input_mode {
            TrainingInputMode::File => sdk::TrainingInputMode::File,
        })
        .enable_sage_maker_metrics_time_series(spec.enable_sagemaker_metrics_time_series);
    for metric in &spec.metric_definitions {
        algorithm = algorithm
            .metric_definitions(sdk::MetricDefinition::builder().name(&metric.name).regex(&metric.regex).build());
    }
    let resources = &request.resource_config;
    let stopping = &request.stopping_condition;
    let mut stopping_condition = sdk::StoppingCondition::builder()
        .max_runtime_in_seconds(wire_int("StoppingCondition.MaxRuntimeInSeconds", stopping.max_runtime_in_seconds)?);
    if let Some(wait) = stopping.max_wait_time_in_seconds {
        stopping_condition =
            stopping_condition.max_wait_time_in_seconds(wire_int("StoppingCondition.MaxWaitTimeInSeconds", wait)?);
    }
    let mut call = call
        .training_job_name(&request.training_job_name)
        .role_arn(&request.role_arn)
        .algorithm_specification(algorithm.build())
        .set_hyper_parameters(Some(request.hyper_parameters.clone().into_iter().collect()))
        .set_input_data_config(Some(request.input_data_config.iter().map(channel).collect()))
        .output_data_config(
            sdk::OutputDataConfig::builder().s3_output_path(&request.output_data_config.s3_output_path).build(),
        )
        .resource_config(
            sdk::ResourceConfig::builder()
                .instance_type(sdk::TrainingInstanceType::from(resources.instance_type.as_str()))
                .instance_count(wire_int("ResourceConfig.InstanceCount", resources.instance_count.into())?)
                .volume_size_in_gb(wire_int("ResourceConfig.VolumeSizeInGB", resources.volume_size_in_gb.into())?)
                .build(),
        )
        .stopping_condition(stopping_condition.build())
        .enable_managed_spot_training(request.enable_managed_spot_training)
        .set_environment(Some(request.environment.clone().into_iter().collect()))
        .profiler_config(
            sdk::ProfilerConfig::builder().disable_profiler(request.profiler_config.disable_profiler).build(),
        )
        .set_tags(Some(request.tags.iter().map(|t| sdk::Tag::builder().key(&t.key).value(&t.value).build()).collect()));
    if let Some(checkpoint) = &request.checkpoint_config {
        call = call.checkpoint_config(
            sdk::CheckpointConfig::builder().s3_uri(&checkpoint.s3_uri).local_path(&checkpoint.local_path).build(),
        );
    }
    Ok(call)
}

/// A channel as the SDK's; tuning jobs' training job definitions share it.
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
