//! Processing jobs through the SDK: [`ProcessingJobRequest`] → `CreateProcessingJob` builder calls
//! (the only place the two meet), and the create, describe, wait and stop calls of [`SageMaker`].

use aws_sdk_sagemaker::operation::create_processing_job::builders::CreateProcessingJobFluentBuilder;
use aws_sdk_sagemaker::types as sdk;

use super::client::{api_error, wire_int, SageMaker};
use super::error::SageMakerError;
use super::processing_request::{ProcessingInput, ProcessingJobRequest, S3InputMode};
use super::status::{JobState, JobStatus};
use super::training_request::S3DataType;
use super::validate_processing::validate_processing;
use super::wait::{ctrl_c, wait_or_stop, wait_until_done};

impl SageMaker {
    /// Validates `request` and creates the processing job; returns its ARN.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Invalid`] from [`validate_processing`], before anything is sent;
    /// [`SageMakerError::Api`] when SageMaker refuses or cannot be reached.
    pub fn create_processing_job(&self, request: &ProcessingJobRequest) -> Result<String, SageMakerError> {
        validate_processing(request)?;
        let job = &request.processing_job_name;
        let call = create_call(self.client.create_processing_job(), request)?;
        let output = self.block_on(call.send()).map_err(|e| api_error("CreateProcessingJob", job, e))?;
        Ok(output.processing_job_arn().unwrap_or_default().to_string())
    }

    /// The job's status now (processing jobs have no secondary status or model artifacts).
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`], also when there is no such job.
    pub fn describe_processing_job(&self, name: &str) -> Result<JobStatus, SageMakerError> {
        self.block_on(self.describe_processing(name))
    }

    /// Polls until the job is `Completed`, `Failed` or `Stopped`, calling `on_progress` when the
    /// status changes (and once at the start).
    ///
    /// # Errors
    ///
    /// [`SageMakerError::JobFailed`] when the job fails or is stopped; [`SageMakerError::Api`]
    /// when a poll fails.
    pub fn wait_processing_job(
        &self,
        name: &str,
        on_progress: &mut dyn FnMut(&JobStatus),
    ) -> Result<JobStatus, SageMakerError> {
        let mut describe = || self.describe_processing(name);
        self.block_on(wait_until_done(name, self.poll_interval, &mut describe, on_progress))
    }

    /// [`SageMaker::wait_processing_job`], but Ctrl-C while waiting stops the job, reports its
    /// status once more and returns [`SageMakerError::Interrupted`]. See
    /// [`SageMaker::wait_training_job_or_stop`] about SIGINT afterwards.
    ///
    /// # Errors
    ///
    /// As [`SageMaker::wait_processing_job`]; [`SageMakerError::Interrupted`] after Ctrl-C, or the
    /// stop call's [`SageMakerError::Api`] when the job could not be stopped.
    pub fn wait_processing_job_or_stop(
        &self,
        name: &str,
        on_progress: &mut dyn FnMut(&JobStatus),
    ) -> Result<JobStatus, SageMakerError> {
        let describe = || self.describe_processing(name);
        let stop = || self.stop_processing(name);
        self.block_on(wait_or_stop(name, self.poll_interval, describe, stop, ctrl_c(), on_progress))
    }

    /// Asks SageMaker to stop the job.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`].
    pub fn stop_processing_job(&self, name: &str) -> Result<(), SageMakerError> {
        self.block_on(self.stop_processing(name))
    }

    async fn describe_processing(&self, name: &str) -> Result<JobStatus, SageMakerError> {
        let output = self
            .client
            .describe_processing_job()
            .processing_job_name(name)
            .send()
            .await
            .map_err(|e| api_error("DescribeProcessingJob", name, e))?;
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

    async fn stop_processing(&self, name: &str) -> Result<(), SageMakerError> {
        self.client
            .stop_processing_job()
            .processing_job_name(name)
            .send()
            .await
            .map(drop)
            .map_err(|e| api_error("StopProcessingJob", name, e))
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
        .set_tags(Some(request.tags.iter().map(|t| sdk::Tag::builder().key(&t.key).value(&t.value).build()).collect())))
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
