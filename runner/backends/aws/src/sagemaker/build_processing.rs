//! [`processing_job_request`]: the settings and one pipeline step → the `CreateProcessingJob`
//! request that runs the step in the mlpipe container (see [`contract`](super::contract)). The
//! container reads the settings snapshot from its `config` input and writes to the experiment's
//! S3 root itself, so the job declares no outputs.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

use mlpipe_core::settings::Settings;

use super::contract;
use super::error::SageMakerError;
use super::job_name::job_name;
use super::processing_request::{
    AppSpecification, ProcessingClusterConfig, ProcessingInput, ProcessingJobRequest, ProcessingResources,
    ProcessingS3Input, ProcessingStoppingCondition, S3InputMode,
};
use super::tag::Tag;
use super::training_request::S3DataType;
use super::validate_processing::MAX_PROCESSING_RUNTIME_SECS;

/// The pipeline steps that run as SageMaker processing jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProcessingStep {
    /// Reconcile the raw data into the experiment's records.
    Reconcile,
    /// Tokenise and split the records.
    Prepare,
    /// Run a finished run's models over the test data (needs the run number).
    Infer,
}

impl ProcessingStep {
    /// The runner subcommand, also the job name's middle part: `reconcile`, `prepare`, `infer`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingStep::Reconcile => "reconcile",
            ProcessingStep::Prepare => "prepare",
            ProcessingStep::Infer => "infer",
        }
    }
}

impl fmt::Display for ProcessingStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one processing job is for, beyond the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessingJobSpec {
    /// `s3://bucket/prefix/<experiment>`: the experiment's folder. Not part of the request (the
    /// container finds the root in the settings); checked to be an S3 URI so a local experiment
    /// never reaches SageMaker.
    pub experiment_uri: String,
    /// The settings snapshot object the container reads, `s3://…/settings.ini`.
    pub settings_uri: String,
    /// The step to run.
    pub step: ProcessingStep,
    /// The run, for [`ProcessingStep::Infer`] only.
    pub run: Option<u64>,
    /// When the job is created; its UTC time ends the job name.
    pub now: SystemTime,
}

/// The `CreateProcessingJob` request running `spec.step`.
///
/// The time limit is `sagemaker.max_runtime_secs`, capped at SageMaker's 9 days for processing
/// jobs (the setting may allow a 28-day training job).
///
/// The request is not validated; call [`validate_processing`](super::validate_processing) (or
/// let `create_job::<ProcessingJob>` do it).
///
/// # Errors
///
/// [`SageMakerError::MissingSetting`] when `sagemaker.role_arn` or `sagemaker.image_uri` is not
/// set; [`SageMakerError::Invalid`] when the experiment is not on S3, or the run number is missing
/// for `infer` or given for another step.
pub fn processing_job_request(
    settings: &Settings,
    spec: &ProcessingJobSpec,
) -> Result<ProcessingJobRequest, SageMakerError> {
    let sm = &settings.sagemaker;
    let role_arn = sm.role_arn.clone().ok_or(SageMakerError::MissingSetting { key: "sagemaker.role_arn" })?;
    let image_uri = sm.image_uri.clone().ok_or(SageMakerError::MissingSetting { key: "sagemaker.image_uri" })?;
    if mlpipe_core::settings::s3_uri(&spec.experiment_uri).is_err() {
        let problem = "sagemaker jobs need the experiment root on S3 (experiment.root = s3://…)";
        return Err(SageMakerError::invalid("experiment root", &spec.experiment_uri, problem));
    }
    let step = spec.step.as_str();
    let mut arguments = vec![step.to_string()];
    let mut tags =
        vec![Tag::new(contract::TAG_EXPERIMENT, &settings.experiment.name), Tag::new(contract::TAG_STEP, step)];
    match (spec.step, spec.run) {
        (ProcessingStep::Infer, Some(run)) => {
            arguments.extend(["--run".to_string(), run.to_string()]);
            tags.push(Tag::new(contract::TAG_RUN, run));
        }
        (ProcessingStep::Infer, None) => {
            let problem = "the infer step needs a run number";
            return Err(SageMakerError::invalid("AppSpecification.ContainerArguments", step, problem));
        }
        (_, Some(run)) => {
            let problem = format!("only the infer step takes a run number, got run {run}");
            return Err(SageMakerError::invalid("AppSpecification.ContainerArguments", step, problem));
        }
        (_, None) => {}
    }
    let (env_key, env_value) = contract::SMDEBUG_ENV;
    Ok(ProcessingJobRequest {
        processing_job_name: job_name(&[&settings.experiment.name, step], spec.now),
        role_arn,
        app_specification: AppSpecification {
            image_uri,
            container_entrypoint: contract::ENTRYPOINT.iter().map(|s| s.to_string()).collect(),
            container_arguments: arguments,
        },
        processing_resources: ProcessingResources {
            cluster_config: ProcessingClusterConfig {
                instance_count: 1,
                instance_type: sm.processing_instance_type.clone(),
                volume_size_in_gb: sm.volume_size_gb,
            },
        },
        processing_inputs: vec![ProcessingInput {
            input_name: contract::CONFIG_CHANNEL.to_string(),
            s3_input: ProcessingS3Input {
                s3_uri: spec.settings_uri.clone(),
                local_path: contract::PROCESSING_CONFIG_PATH.to_string(),
                s3_data_type: S3DataType::S3Prefix,
                s3_input_mode: S3InputMode::File,
            },
        }],
        stopping_condition: ProcessingStoppingCondition {
            max_runtime_in_seconds: sm.max_runtime_secs.min(MAX_PROCESSING_RUNTIME_SECS),
        },
        environment: BTreeMap::from([(env_key.to_string(), env_value.to_string())]),
        tags,
    })
}
