//! SageMaker jobs against a real API emulator (moto_server): requests built from a settings file
//! on disk are validated, created, described and waited for through the SDK.
//!
//! What moto 5.2.5 keeps decides what is asserted here: it records image, role, channels, output
//! path, resources, stopping condition, hyperparameters, checkpoint config and the spot flag of a
//! training job, and the app specification, inputs and stopping condition of a processing job. It
//! drops training jobs' `Environment` and `ProfilerConfig` (and replaces `MetricDefinitions`),
//! drops processing jobs' `ProcessingResources` and `Environment`, completes every job at once and
//! has no `StopTrainingJob`; those fields are covered by the unit tests of the request JSON.
//!
//! Index:
//! - training: `training_job_is_recorded_as_requested`, `waiting_for_a_training_job_reports_completion`,
//!   `stop_training_job_errors_are_reported_with_the_job`
//! - processing: `processing_job_is_recorded_as_requested`, `waiting_for_a_processing_job_reports_completion`,
//!   `a_stopped_processing_job_is_a_failure`
//! - refusals and errors: `invalid_requests_are_refused_before_sending`, `unknown_jobs_are_api_errors`,
//!   `unreachable_endpoints_are_api_errors`
//! - dry run: `dry_run_of_loaded_settings_has_the_create_training_job_keys`

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::moto::Moto;
use common::sagemaker::{
    assert_api_error, assert_training_definition, client, client_config, load_settings, raw_client, waited,
    TrainingDefinition,
};
use mlpipe_aws::sagemaker::{
    dry_run_json, processing_job_request, training_job_request, validate_processing, validate_training, JobState,
    ProcessingJob, ProcessingJobRequest, ProcessingJobSpec, ProcessingStep, SageMaker, SageMakerError, TrainingJob,
    TrainingJobRequest, TrainingJobSpec,
};

const SETTINGS: &str = "\
[experiment]
name = news
root = s3://ml-bucket/exps
model_names = bert, minilm

[training]
backend = sagemaker

[sagemaker]
region = us-east-1
role_arn = arn:aws:iam::123456789012:role/SageMakerRole
image_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0
instance_type = ml.g5.xlarge
instance_count = 1
volume_size_gb = 50
max_runtime_secs = 7200
use_spot = true
max_wait_secs = 10800
processing_instance_type = ml.m5.2xlarge
";

const EXPERIMENT_URI: &str = "s3://ml-bucket/exps/news";
const RUN_URI: &str = "s3://ml-bucket/exps/news/runs/3";

/// 2024-02-29 12:34:56 UTC, plus `offset` seconds so tests in one moto get distinct names.
fn at(offset: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_709_210_096 + offset)
}

fn training_request(model: &str) -> TrainingJobRequest {
    let settings = load_settings(SETTINGS);
    assert_eq!(settings.experiment.root.to_string() + "/news", EXPERIMENT_URI);
    let spec = TrainingJobSpec {
        experiment_uri: EXPERIMENT_URI.into(),
        run_uri: RUN_URI.into(),
        run: 3,
        model: model.into(),
        overrides: vec![("training.learning_rate".into(), "3e-05".into())],
        extra_env: vec![],
        now: at(0),
    };
    training_job_request(&settings, &spec).unwrap()
}

fn processing_request(step: ProcessingStep, run: Option<u64>) -> ProcessingJobRequest {
    let spec = ProcessingJobSpec {
        experiment_uri: EXPERIMENT_URI.into(),
        settings_uri: format!("{RUN_URI}/settings.ini"),
        step,
        run,
        now: at(0),
    };
    processing_job_request(&load_settings(SETTINGS), &spec).unwrap()
}

#[test]
fn training_job_is_recorded_as_requested() {
    let moto = Moto::start();
    let request = training_request("bert");
    validate_training(&request).unwrap();
    let arn = client(&moto).create_job::<TrainingJob>(&request).unwrap();
    assert_eq!(arn, "arn:aws:sagemaker:us-east-1:123456789012:training-job/news-r3-bert-20240229123456");

    let (runtime, raw) = raw_client(&moto);
    let job =
        runtime.block_on(raw.describe_training_job().training_job_name(&request.training_job_name).send()).unwrap();
    let algorithm = job.algorithm_specification().unwrap();
    assert_training_definition(TrainingDefinition {
        image: algorithm.training_image(),
        input_mode: algorithm.training_input_mode(),
        role_arn: job.role_arn(),
        channels: job.input_data_config(),
        output: job.output_data_config(),
        resources: job.resource_config(),
        stopping: job.stopping_condition(),
        spot: job.enable_managed_spot_training(),
        checkpoint: job.checkpoint_config(),
    });
    for channel in job.input_data_config() {
        let source = channel.data_source().unwrap().s3_data_source().unwrap();
        assert_eq!(source.s3_data_type().map(|t| t.as_str()), Some("S3Prefix"));
        assert_eq!(source.s3_data_distribution_type().map(|t| t.as_str()), Some("FullyReplicated"));
    }
    let params = job.hyper_parameters().unwrap();
    assert_eq!(params.get("mlpipe.model").map(String::as_str), Some("bert"));
    assert_eq!(params.get("mlpipe.run").map(String::as_str), Some("3"));
    assert_eq!(params.get("training.learning_rate").map(String::as_str), Some("3e-05"));
    assert_eq!(params.len(), 3);
    assert!(job.debug_hook_config().is_none());
    assert!(job.debug_rule_configurations().is_empty());
}

#[test]
fn waiting_for_a_training_job_reports_completion() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = training_request("minilm");
    sagemaker.create_job::<TrainingJob>(&request).unwrap();
    let name = &request.training_job_name;

    let described = sagemaker.describe_job::<TrainingJob>(name).unwrap();
    assert_eq!(described.state, JobState::Completed);
    let done = waited::<TrainingJob>(&sagemaker, name);
    assert_eq!(done.secondary_status.as_deref(), Some("Completed"));
    // moto writes the artifact location SageMaker would: <output path><job>/output/model.tar.gz.
    assert_eq!(
        done.model_artifacts.as_deref(),
        Some(format!("s3://ml-bucket/exps/news/runs/3/sagemaker/minilm/{name}/output/model.tar.gz").as_str())
    );
}

#[test]
fn stop_training_job_errors_are_reported_with_the_job() {
    // moto 5.2.5 has no StopTrainingJob: the call fails, and the error says which call and job.
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = training_request("bert");
    sagemaker.create_job::<TrainingJob>(&request).unwrap();
    let name = request.training_job_name.as_str();
    assert_api_error(sagemaker.stop_job::<TrainingJob>(name), "StopTrainingJob", name);
}

#[test]
fn processing_job_is_recorded_as_requested() {
    let moto = Moto::start();
    let request = processing_request(ProcessingStep::Infer, Some(3));
    validate_processing(&request).unwrap();
    let arn = client(&moto).create_job::<ProcessingJob>(&request).unwrap();
    assert_eq!(arn, "arn:aws:sagemaker:us-east-1:123456789012:processing-job/news-infer-20240229123456");

    let (runtime, raw) = raw_client(&moto);
    let job = runtime
        .block_on(raw.describe_processing_job().processing_job_name(&request.processing_job_name).send())
        .unwrap();
    let app = job.app_specification().unwrap();
    assert_eq!(app.image_uri(), Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0"));
    assert_eq!(app.container_entrypoint(), ["runner", "--plugin", "/opt/mlpipe/plugin.so", "--container"]);
    assert_eq!(app.container_arguments(), ["infer", "--run", "3"]);
    let [input] = job.processing_inputs() else { panic!("one input expected") };
    assert_eq!(input.input_name(), Some("config"));
    let s3 = input.s3_input().unwrap();
    assert_eq!(s3.s3_uri(), Some("s3://ml-bucket/exps/news/runs/3/settings.ini"));
    assert_eq!(s3.local_path(), Some("/opt/ml/processing/input/config"));
    assert_eq!(s3.s3_data_type().map(|t| t.as_str()), Some("S3Prefix"));
    assert_eq!(s3.s3_input_mode().map(|m| m.as_str()), Some("File"));
    assert_eq!(job.stopping_condition().and_then(|s| s.max_runtime_in_seconds()), Some(7200));
    assert_eq!(job.role_arn(), Some("arn:aws:iam::123456789012:role/SageMakerRole"));
    // moto 5.2.5 drops ProcessingResources and the SDK fills the required structure with empty
    // defaults ("error correction"); check it whenever a moto version keeps it.
    let cluster = job.processing_resources().and_then(|r| r.cluster_config());
    if let Some(cluster) = cluster.filter(|c| c.instance_type().is_some()) {
        assert_eq!(cluster.instance_type().map(|t| t.as_str()), Some("ml.m5.2xlarge"));
        assert_eq!((cluster.instance_count(), cluster.volume_size_in_gb()), (Some(1), Some(50)));
    }
}

#[test]
fn waiting_for_a_processing_job_reports_completion() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = processing_request(ProcessingStep::Prepare, None);
    sagemaker.create_job::<ProcessingJob>(&request).unwrap();
    let mut seen = Vec::new();
    let done = sagemaker
        .wait_job::<ProcessingJob>(&request.processing_job_name, &mut |status| seen.push(status.state.clone()))
        .unwrap();
    assert_eq!(done.state, JobState::Completed);
    assert_eq!(seen, [JobState::Completed]);
    let done = sagemaker.wait_job_or_stop::<ProcessingJob>(&request.processing_job_name, &mut |_| {}).unwrap();
    assert_eq!(done.state, JobState::Completed);
}

#[test]
fn a_stopped_processing_job_is_a_failure() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let request = processing_request(ProcessingStep::Reconcile, None);
    sagemaker.create_job::<ProcessingJob>(&request).unwrap();
    let name = &request.processing_job_name;
    sagemaker.stop_job::<ProcessingJob>(name).unwrap();
    assert_eq!(sagemaker.describe_job::<ProcessingJob>(name).unwrap().state, JobState::Stopped);
    let error = sagemaker.wait_job::<ProcessingJob>(name, &mut |_| {}).unwrap_err();
    assert_eq!(error.to_string(), format!("sagemaker job {name} did not complete: stopped"));
}

#[test]
fn invalid_requests_are_refused_before_sending() {
    let moto = Moto::start();
    let sagemaker = client(&moto);
    let mut request = training_request("bert");
    request.setup.resource_config.instance_type = "m5.large".into();
    let error = sagemaker.create_job::<TrainingJob>(&request).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sagemaker request: ResourceConfig.InstanceType = \"m5.large\": expected an instance type like ml.m5.xlarge"
    );
    // Nothing reached moto.
    let error = sagemaker.describe_job::<TrainingJob>(&request.training_job_name).unwrap_err();
    assert!(matches!(error, SageMakerError::Api { operation: "DescribeTrainingJob", .. }), "{error}");

    let mut request = processing_request(ProcessingStep::Prepare, None);
    request.stopping_condition.max_runtime_in_seconds = 0;
    assert!(matches!(sagemaker.create_job::<ProcessingJob>(&request), Err(SageMakerError::Invalid { .. })));
}

#[test]
fn unknown_jobs_are_api_errors() {
    let moto = Moto::start();
    let error = client(&moto).describe_job::<TrainingJob>("no-such-job").unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("sagemaker DescribeTrainingJob no-such-job: ValidationException"), "{message}");
    assert!(!message.contains('\n'), "{message}");
    let error = client(&moto).describe_job::<ProcessingJob>("no-such-job").unwrap_err();
    assert!(error.to_string().starts_with("sagemaker DescribeProcessingJob no-such-job: "), "{error}");
}

#[test]
fn unreachable_endpoints_are_api_errors() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
    let sagemaker = SageMaker::new(&client_config(&format!("http://127.0.0.1:{port}"))).unwrap();
    let error = sagemaker.describe_job::<TrainingJob>("j").unwrap_err();
    assert!(matches!(error, SageMakerError::Api { .. }), "{error}");
    assert!(error.to_string().starts_with("sagemaker DescribeTrainingJob j: "), "{error}");
}

#[test]
fn dry_run_of_loaded_settings_has_the_create_training_job_keys() {
    let json: serde_json::Value = serde_json::from_str(&dry_run_json(&training_request("bert"))).unwrap();
    let mut keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "AlgorithmSpecification",
            "CheckpointConfig",
            "EnableManagedSpotTraining",
            "Environment",
            "HyperParameters",
            "InputDataConfig",
            "OutputDataConfig",
            "ProfilerConfig",
            "ResourceConfig",
            "RoleArn",
            "StoppingCondition",
            "Tags",
            "TrainingJobName",
        ]
    );
    // Moto drops these two, so they are asserted on the body that would be sent.
    assert_eq!(json["Environment"]["USE_SMDEBUG"], "0");
    assert_eq!(json["ProfilerConfig"]["DisableProfiler"], true);
    assert!(json.get("DebugHookConfig").is_none() && json.get("DebugRuleConfigurations").is_none());
}
