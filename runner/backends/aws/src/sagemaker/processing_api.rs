//! Processing jobs through the SDK: [`ProcessingJob`], the [`JobKind`] whose request is a
//! [`ProcessingJobRequest`], turned into `CreateProcessingJob` builder calls (the only place the
//! two meet), and whose describe answer becomes a [`JobStatus`] (without secondary status or model
//! artifacts).

use aws_sdk_sagemaker::operation::create_processing_job::builders::CreateProcessingJobFluentBuilder;
use aws_sdk_sagemaker::types as sdk;
use aws_sdk_sagemaker::Client;

use super::client::{api_error, wire_int};
use super::error::SageMakerError;
use super::job_kind::JobKind;
use super::processing_request::{ProcessingInput, ProcessingJobRequest, S3InputMode};
use super::sdk_parts as parts;
use super::status::{JobState, JobStatus};
use super::training_request::S3DataType;
use super::validate_processing::validate_processing;

/// The processing job kind: `sagemaker.create_job::<ProcessingJob>(&request)`.
#[derive(Debug, Clone, Copy)]
pub struct ProcessingJob;

impl JobKind for ProcessingJob {
    type Request = ProcessingJobRequest;
    type Status = JobStatus;

    fn validate(request: &ProcessingJobRequest) -> Result<(), SageMakerError> {
        validate_processing(request)
    }

    async fn create(client: &Client, request: &ProcessingJobRequest) -> Result<String, SageMakerError> {
        let job = &request.processing_job_name;
        let call = create_call(client.create_processing_job(), request)?;
        let output = call.send().await.map_err(|e| api_error("CreateProcessingJob", job, e))?;
        Ok(output.processing_job_arn().unwrap_or_default().to_string())
    }

    async fn describe(client: &Client, name: &str) -> Result<JobStatus, SageMakerError> {
        let call = client.describe_processing_job().processing_job_name(name);
        let output = call.send().await.map_err(|e| api_error("DescribeProcessingJob", name, e))?;
        // `ExitMessage` is the container's last words; it explains a failure best when SageMaker
        // gives no reason of its own.
        let reason = output.failure_reason().or(output.exit_message()).map(str::to_string);
        Ok(JobStatus {
            job: name.to_string(),
            state: JobState::parse(output.processing_job_status().map_or("", |s| s.as_str())),
            secondary_status: None,
            failure_reason: reason,
            model_artifacts: None,
        })
    }

    async fn stop(client: &Client, name: &str) -> Result<(), SageMakerError> {
        let call = client.stop_processing_job().processing_job_name(name);
        call.send().await.map(drop).map_err(|e| api_error("StopProcessingJob", name, e))
    }
}

/// Every field of `request` as a builder call on `call`.
fn create_call(
    call: CreateProcessingJobFluentBuilder,
    request: &ProcessingJobRequest,
) -> Result<CreateProcessingJobFluentBuilder, SageMakerError> {
    let app = &request.app_specification;
    let cluster = &request.processing_resources.cluster_config;
    let cluster = sdk::ProcessingClusterConfig::builder()
        .instance_count(wire_int("ProcessingResources.ClusterConfig.InstanceCount", cluster.instance_count.into())?)
        .instance_type(sdk::ProcessingInstanceType::from(cluster.instance_type.as_str()))
        .volume_size_in_gb(wire_int(
            "ProcessingResources.ClusterConfig.VolumeSizeInGB",
            cluster.volume_size_in_gb.into(),
        )?)
        .build();
    let runtime = request.stopping_condition.max_runtime_in_seconds;
    Ok(call
        .processing_job_name(&request.processing_job_name)
        .role_arn(&request.role_arn)
        .app_specification(
            sdk::AppSpecification::builder()
                .image_uri(&app.image_uri)
                .set_container_entrypoint(Some(app.container_entrypoint.clone()))
                .set_container_arguments(Some(app.container_arguments.clone()))
                .build(),
        )
        .processing_resources(sdk::ProcessingResources::builder().cluster_config(cluster).build())
        .set_processing_inputs(Some(request.processing_inputs.iter().map(input).collect()))
        .stopping_condition(
            sdk::ProcessingStoppingCondition::builder()
                .max_runtime_in_seconds(wire_int("StoppingCondition.MaxRuntimeInSeconds", runtime)?)
                .build(),
        )
        .set_environment(Some(request.environment.clone().into_iter().collect()))
        .set_tags(Some(parts::tags(&request.tags))))
}

fn input(input: &ProcessingInput) -> sdk::ProcessingInput {
    let s3 = &input.s3_input;
    sdk::ProcessingInput::builder()
        .input_name(&input.input_name)
        .s3_input(
            sdk::ProcessingS3Input::builder()
                .s3_uri(&s3.s3_uri)
                .local_path(&s3.local_path)
                .s3_data_type(match s3.s3_data_type {
                    S3DataType::S3Prefix => sdk::ProcessingS3DataType::S3Prefix,
                })
                .s3_input_mode(match s3.s3_input_mode {
                    S3InputMode::File => sdk::ProcessingS3InputMode::File,
                })
                .build(),
        )
        .build()
}
