//! [`training_job_request`]: the settings and one model of a run → the `CreateTrainingJob` request
//! the mlpipe container expects (see [`contract`](super::contract)): one job per model, the
//! settings snapshot and the experiment's data as channels, metrics scraped from the trainer's
//! `[metric]` lines, debugger and profiler off.

use std::collections::BTreeMap;
use std::time::SystemTime;

use mlpipe_core::layout;
use mlpipe_core::settings::Settings;
use mlpipe_core::train::metric_log::sagemaker_metric_definitions;

use super::contract;
use super::error::SageMakerError;
use super::job_name::job_name;
use super::tag::Tag;
use super::training_request::{
    AlgorithmSpecification, Channel, CheckpointConfig, CompressionType, DataSource, MetricDefinition, OutputDataConfig,
    ProfilerConfig, ResourceConfig, S3DataDistributionType, S3DataSource, S3DataType, StoppingCondition,
    TrainingInputMode, TrainingJobRequest, TrainingJobSetup,
};

/// What one training job is for, beyond the settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJobSpec {
    /// `s3://bucket/prefix/<experiment>`: the experiment's folder (its `data/` is a channel).
    pub experiment_uri: String,
    /// `<experiment uri>/runs/<n>`: the run's folder (its `settings.ini` is a channel).
    pub run_uri: String,
    /// The run number.
    pub run: u64,
    /// The model to train; one of `experiment.model_names`.
    pub model: String,
    /// Settings overrides as `section.key` = value (tuning's trial values), passed as
    /// hyperparameters; the container applies them over the snapshot.
    pub overrides: Vec<(String, String)>,
    /// Extra environment variables; they win over mlpipe's own (`USE_SMDEBUG`).
    pub extra_env: Vec<(String, String)>,
    /// When the job is created; its UTC time ends the job name.
    pub now: SystemTime,
}

/// The `CreateTrainingJob` request training `spec.model` for run `spec.run`.
///
/// The request is not validated; call [`validate_training`](super::validate_training) (or let
/// `create_job::<TrainingJob>` do it).
///
/// # Errors
///
/// [`SageMakerError::MissingSetting`] when `sagemaker.role_arn` or `sagemaker.image_uri` is not
/// set; [`SageMakerError::Invalid`] when the model is not one of the experiment's, an override is
/// not `section.key` or is mlpipe's own, or several instances are asked for without
/// `training.use_distributed`.
pub fn training_job_request(settings: &Settings, spec: &TrainingJobSpec) -> Result<TrainingJobRequest, SageMakerError> {
    let sm = &settings.sagemaker;
    let role_arn = sm.role_arn.clone().ok_or(SageMakerError::MissingSetting { key: "sagemaker.role_arn" })?;
    let image = sm.image_uri.clone().ok_or(SageMakerError::MissingSetting { key: "sagemaker.image_uri" })?;
    let model = spec.model.as_str();
    if !settings.experiment.model_names.iter().any(|m| m == model) {
        let names = settings.experiment.model_names.join(", ");
        let problem = format!("expected one of experiment.model_names ({names})");
        return Err(SageMakerError::invalid(format!("HyperParameters.{}", contract::HP_MODEL), model, problem));
    }
    // Without use_distributed every instance would train the same model on its own: paid twice,
    // used once.
    if sm.instance_count > 1 && !settings.training_for(model).use_distributed {
        let problem = "more than one instance needs training.use_distributed = true";
        return Err(SageMakerError::invalid("ResourceConfig.InstanceCount", sm.instance_count, problem));
    }
    let checkpoint_uri = match &sm.checkpoint_s3_uri {
        // A shared prefix is split per experiment, run and model: SageMaker downloads whatever is
        // there into the new job, and another model's checkpoint must never be resumed.
        Some(base) => layout::sagemaker::shared_checkpoint_prefix(base, &settings.experiment.name, spec.run, model),
        None => contract::checkpoint_uri(&spec.run_uri, model),
    };
    let run = spec.run.to_string();
    Ok(TrainingJobRequest {
        training_job_name: job_name(&[&settings.experiment.name, &format!("r{run}"), model], spec.now),
        role_arn,
        algorithm_specification: AlgorithmSpecification {
            training_image: image,
            training_input_mode: TrainingInputMode::File,
            metric_definitions: sagemaker_metric_definitions()
                .into_iter()
                .map(|(name, regex)| MetricDefinition { name, regex })
                .collect(),
            enable_sagemaker_metrics_time_series: true,
        },
        hyper_parameters: hyper_parameters(model, &run, &spec.overrides)?,
        setup: TrainingJobSetup {
            input_data_config: vec![
                s3_channel(contract::CONFIG_CHANNEL, contract::settings_snapshot_uri(&spec.run_uri)),
                s3_channel(contract::DATA_CHANNEL, contract::data_uri(&spec.experiment_uri)),
            ],
            output_data_config: OutputDataConfig { s3_output_path: contract::output_uri(&spec.run_uri, model) },
            resource_config: ResourceConfig {
                instance_type: sm.instance_type.clone(),
                instance_count: sm.instance_count,
                volume_size_in_gb: sm.volume_size_gb,
            },
            stopping_condition: StoppingCondition {
                max_runtime_in_seconds: sm.max_runtime_secs,
                max_wait_time_in_seconds: sm.use_spot.then_some(sm.max_wait_secs),
            },
            enable_managed_spot_training: sm.use_spot,
            checkpoint_config: Some(CheckpointConfig {
                s3_uri: checkpoint_uri,
                local_path: contract::CHECKPOINT_LOCAL_PATH.to_string(),
            }),
            environment: environment(&spec.extra_env),
        },
        profiler_config: ProfilerConfig { disable_profiler: true },
        tags: vec![
            Tag::new(contract::TAG_EXPERIMENT, &settings.experiment.name),
            Tag::new(contract::TAG_RUN, &run),
            Tag::new(contract::TAG_MODEL, model),
        ],
    })
}

fn hyper_parameters(
    model: &str,
    run: &str,
    overrides: &[(String, String)],
) -> Result<BTreeMap<String, String>, SageMakerError> {
    let mut params = BTreeMap::new();
    for (key, value) in overrides {
        let field = || format!("HyperParameters.{key}");
        let shaped = key.split_once('.').is_some_and(|(section, name)| !section.is_empty() && !name.is_empty());
        if !shaped {
            return Err(SageMakerError::invalid(field(), value, "expected an override named section.key"));
        }
        if key.split_once('.').is_some_and(|(section, _)| section == contract::HP_SECTION) {
            return Err(SageMakerError::invalid(field(), value, "the mlpipe section is reserved for mlpipe"));
        }
        params.insert(key.clone(), value.clone());
    }
    params.insert(contract::HP_MODEL.to_string(), model.to_string());
    params.insert(contract::HP_RUN.to_string(), run.to_string());
    Ok(params)
}

fn environment(extra: &[(String, String)]) -> BTreeMap<String, String> {
    let (key, value) = contract::SMDEBUG_ENV;
    let mut env = BTreeMap::from([(key.to_string(), value.to_string())]);
    env.extend(extra.iter().cloned());
    env
}

fn s3_channel(name: &str, uri: String) -> Channel {
    Channel {
        channel_name: name.to_string(),
        data_source: DataSource {
            s3_data_source: S3DataSource {
                s3_data_type: S3DataType::S3Prefix,
                s3_uri: uri,
                s3_data_distribution_type: S3DataDistributionType::FullyReplicated,
            },
        },
        content_type: None,
        compression_type: CompressionType::None,
    }
}
