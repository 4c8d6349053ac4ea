//! Training jobs through the SDK: [`TrainingJob`], the [`JobKind`] whose request is a
//! [`TrainingJobRequest`], turned into `CreateTrainingJob` builder calls (the only place the two
//! meet), and whose describe answer becomes a [`JobStatus`].

use aws_sdk_sagemaker::operation::create_training_job::builders::CreateTrainingJobFluentBuilder;
use aws_sdk_sagemaker::types as sdk;
use aws_sdk_sagemaker::Client;

use super::client::api_error;
use super::error::SageMakerError;
use super::job_kind::JobKind;
use super::sdk_parts as parts;
use super::status::{JobState, JobStatus};
use super::training_request::TrainingJobRequest;
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
    let algorithm = sdk::AlgorithmSpecification::builder()
        .training_image(&spec.training_image)
        .training_input_mode(parts::input_mode(spec.training_input_mode))
        .set_metric_definitions(parts::metric_definitions(&spec.metric_definitions))
        .enable_sage_maker_metrics_time_series(spec.enable_sagemaker_metrics_time_series);
    let call = call
        .training_job_name(&request.training_job_name)
        .role_arn(&request.role_arn)
        .algorithm_specification(algorithm.build())
        .set_hyper_parameters(Some(request.hyper_parameters.clone().into_iter().collect()))
        .profiler_config(
            sdk::ProfilerConfig::builder().disable_profiler(request.profiler_config.disable_profiler).build(),
        )
        .set_tags(Some(parts::tags(&request.tags)));
    Ok(parts::with_setup!(call, "", &request.setup))
}
