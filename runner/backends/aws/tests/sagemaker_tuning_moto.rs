//! SageMaker hyperparameter tuning jobs against a real API emulator (moto_server): a request built
//! from a settings file on disk is validated, created, described back and waited for through the
//! SDK.
//!
//! What moto 5.2.5 keeps decides what is asserted here. It stores `HyperParameterTuningJobConfig`
//! and `TrainingJobDefinition` as sent (every field, `Environment` included) and the tags (read
//! back with `ListTags`), and completes every tuning job at once. It drops nothing of the request,
//! but what it answers beyond it is canned: one completed training job in the counters and a
//! `BestTrainingJob` named `FakeTrainingJobName` with objective 1, whatever was sent. It has no
//! `StopHyperParameterTuningJob` and no `ListTrainingJobsForHyperParameterTuningJob`; the parsing
//! of their answers is unit-tested from the SDK's types (`tuning_trials`, `tuning_api`).
//!
//! Index:
//! - recorded: `tuning_job_is_recorded_as_requested`
//! - waiting: `waiting_for_a_tuning_job_reports_completion_and_the_best_job`
//! - calls moto lacks: `stop_and_list_trials_errors_name_the_call_and_job`
//! - refusals and errors: `invalid_tuning_requests_are_refused_before_sending`, `unknown_tuning_jobs_are_api_errors`

mod common;

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use common::moto::Moto;
use common::sagemaker::{
    assert_api_error, assert_training_definition, client, load_settings, raw_client, waited, TrainingDefinition,
};
use mlpipe_aws::sagemaker::{
    tuning_job_request, validate_tuning, BestTrainingJob, JobState, SageMakerError, TrainingJobSpec, TuningJob,
    TuningJobRequest,
};

const SETTINGS: &str = "\
[experiment]
name = news
root = s3://ml-bucket/exps
model_names = bert, minilm

[training]
backend = sagemaker

[tuning]
strategy = bayesian
max_jobs = 12
max_parallel_jobs = 3
early_stopping = auto
target_objective = 0.9
max_jobs_without_improvement = 5
learning_rate = 1e-5 -> 1e-3 log
epochs = 2 -> 6
batch_size = 16, 32

[sagemaker]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/SageMakerRole
image_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0
instance_type = ml.g5.xlarge
volume_size_gb = 50
max_runtime_secs = 7200
use_spot = true
max_wait_secs = 10800
";

/// The request tuning `model` in run 3 at 2024-02-29 12:34:56 UTC.
fn request(model: &str) -> TuningJobRequest {
    let spec = TrainingJobSpec {
        experiment_uri: "s3://ml-bucket/exps/news".into(),
        run_uri: "s3://ml-bucket/exps/news/runs/3".into(),
        run: 3,
        model: model.into(),
        overrides: vec![],
        extra_env: vec![],
        now: UNIX_EPOCH + Duration::from_secs(1_709_210_096),
    };
    tuning_job_request(&load_settings(SETTINGS), &spec).unwrap()
}

fn map(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn tuning_job_is_recorded_as_requested() {
    let moto = Moto::start();
    let request = request("bert");
    validate_tuning(&request).unwrap();
    let arn = client(&moto).create_job::<TuningJob>(&request).unwrap();
    assert_eq!(arn, "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/news-r3-bert-240229123456");

    let (runtime, raw) = raw_client(&moto);
    let name = &request.hyper_parameter_tuning_job_name;
    let job = runtime.block_on(raw.describe_hyper_parameter_tuning_job().hyper_parameter_tuning_job_name(name).send());
    let job = job.unwrap();
    assert_eq!(job.hyper_parameter_tuning_job_name(), Some(name.as_str()));

    let config = job.hyper_parameter_tuning_job_config().unwrap();
    assert_eq!(config.strategy().map(|s| s.as_str()), Some("Bayesian"));
    let objective = config.hyper_parameter_tuning_job_objective().unwrap();
    assert_eq!(objective.r#type().map(|t| t.as_str()), Some("Maximize"));
    assert_eq!(objective.metric_name(), Some("validation:macro_f1"));
    let limits = config.resource_limits().unwrap();
    assert_eq!((limits.max_number_of_training_jobs(), limits.max_parallel_training_jobs()), (Some(12), Some(3)));
    let ranges = config.parameter_ranges().unwrap();
    let [continuous] = ranges.continuous_parameter_ranges() else { panic!("one continuous range expected") };
    assert_eq!(
        (continuous.name(), continuous.min_value(), continuous.max_value()),
        (Some("training.bert.learning_rate"), Some("0.00001"), Some("0.001"))
    );
    assert_eq!(continuous.scaling_type().map(|s| s.as_str()), Some("Logarithmic"));
    let [integer] = ranges.integer_parameter_ranges() else { panic!("one integer range expected") };
    assert_eq!(
        (integer.name(), integer.min_value(), integer.max_value()),
        (Some("training.bert.epochs"), Some("2"), Some("6"))
    );
    let [categorical] = ranges.categorical_parameter_ranges() else { panic!("one categorical range expected") };
    assert_eq!(categorical.name(), Some("training.bert.batch_size"));
    assert_eq!(categorical.values(), ["16", "32"]);
    assert_eq!(config.training_job_early_stopping_type().map(|t| t.as_str()), Some("Auto"));
    let completion = config.tuning_job_completion_criteria().unwrap();
    assert_eq!(completion.target_objective_metric_value(), Some(0.9));
    let not_improving = completion.best_objective_not_improving().unwrap();
    assert_eq!(not_improving.max_number_of_training_jobs_not_improving(), Some(5));
    assert!(config.strategy_config().is_none());

    let definition = job.training_job_definition().unwrap();
    assert_eq!(definition.static_hyper_parameters(), Some(&map(&[("mlpipe.model", "bert"), ("mlpipe.run", "3")])));
    let algorithm = definition.algorithm_specification().unwrap();
    assert_training_definition(TrainingDefinition {
        image: algorithm.training_image(),
        input_mode: algorithm.training_input_mode(),
        role_arn: definition.role_arn(),
        channels: definition.input_data_config(),
        output: definition.output_data_config(),
        resources: definition.resource_config(),
        stopping: definition.stopping_condition(),
        spot: definition.enable_managed_spot_training(),
        checkpoint: definition.checkpoint_config(),
    });
    let sent = &request.training_job_definition.algorithm_specification.metric_definitions;
    let kept: Vec<(&str, &str)> =
        algorithm.metric_definitions().iter().map(|m| (m.name().unwrap(), m.regex().unwrap())).collect();
    assert_eq!(kept, sent.iter().map(|m| (m.name.as_str(), m.regex.as_str())).collect::<Vec<_>>());
    assert_eq!(definition.environment(), Some(&map(&[("USE_SMDEBUG", "0")])));

    let tags = runtime.block_on(raw.list_tags().resource_arn(&arn).send()).unwrap();
    let tags: Vec<(&str, &str)> = tags.tags().iter().map(|t| (t.key().unwrap(), t.value().unwrap())).collect();
    assert_eq!(tags, [("mlpipe:experiment", "news"), ("mlpipe:run", "3"), ("mlpipe:model", "bert")]);
}

#[test]
fn waiting_for_a_tuning_job_reports_completion_and_the_best_job() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = request("minilm");
    sagemaker.create_job::<TuningJob>(&request).unwrap();
    let name = &request.hyper_parameter_tuning_job_name;

    let described = sagemaker.describe_job::<TuningJob>(name).unwrap();
    assert_eq!(described.state, JobState::Completed);
    // moto's canned answer, whatever was sent.
    assert_eq!(described.counts.completed, 1);
    assert_eq!(described.best, Some(BestTrainingJob { job: "FakeTrainingJobName".into(), objective: Some(1.0) }));
    assert_eq!(waited::<TuningJob>(&sagemaker, name), described);
}

#[test]
fn stop_and_list_trials_errors_name_the_call_and_job() {
    // moto 5.2.5 has neither call: each fails, and the error says which call and job.
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = request("bert");
    sagemaker.create_job::<TuningJob>(&request).unwrap();
    let name = request.hyper_parameter_tuning_job_name.as_str();
    assert_api_error(sagemaker.stop_job::<TuningJob>(name), "StopHyperParameterTuningJob", name);
    assert_api_error(sagemaker.list_tuning_trials(name), "ListTrainingJobsForHyperParameterTuningJob", name);
}

#[test]
fn invalid_tuning_requests_are_refused_before_sending() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let mut request = request("bert");
    request.hyper_parameter_tuning_job_config.resource_limits.max_parallel_training_jobs = 13;
    let error = sagemaker.create_job::<TuningJob>(&request).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sagemaker request: HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs = \"13\": \
         expected 1 to MaxNumberOfTrainingJobs (12); set by tuning.max_parallel_jobs"
    );
    // Nothing reached moto.
    let error = sagemaker.describe_job::<TuningJob>(&request.hyper_parameter_tuning_job_name).unwrap_err();
    assert!(matches!(error, SageMakerError::Api { operation: "DescribeHyperParameterTuningJob", .. }), "{error}");
}

#[test]
fn unknown_tuning_jobs_are_api_errors() {
    let moto = Moto::start();
    let message = client(&moto).describe_job::<TuningJob>("no-such-job").unwrap_err().to_string();
    assert!(message.starts_with("sagemaker DescribeHyperParameterTuningJob no-such-job: "), "{message}");
    assert!(!message.contains('\n'), "{message}");
}
