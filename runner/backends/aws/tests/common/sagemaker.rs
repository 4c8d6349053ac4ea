//! SageMaker clients for tests against moto: mlpipe's client with moto's endpoint and fake keys,
//! and a bare SDK client to read back everything moto recorded; settings loaded as the runner
//! loads them; the checks of a recorded training job definition that the training and tuning
//! tests share; and the waiting and stopping checks every job kind's test makes.

use std::time::Duration;

use aws_sdk_sagemaker::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sagemaker::types::{
    Channel, CheckpointConfig, OutputDataConfig, ResourceConfig, StoppingCondition, TrainingInputMode,
};
use mlpipe_aws::sagemaker::{
    JobKind, JobState, Observed, SageMaker, SageMakerClientConfig, SageMakerError, StaticCredentials,
};
use mlpipe_core::settings::Settings;

use super::moto::Moto;

/// Endpoint, fake keys and region passed explicitly (tests run in parallel; the process
/// environment stays untouched); no retries, so failures are immediate; fast polls.
pub fn client_config(endpoint: &str) -> SageMakerClientConfig {
    SageMakerClientConfig {
        endpoint_url: Some(endpoint.to_string()),
        max_attempts: 1,
        poll_interval: Duration::from_millis(10),
        credentials: Some(StaticCredentials {
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            session_token: None,
        }),
        ..SageMakerClientConfig::new("us-east-1")
    }
}

/// mlpipe's client for `moto`.
pub fn client(moto: &Moto) -> SageMaker {
    SageMaker::new(&client_config(&moto.endpoint)).unwrap()
}

/// A bare SDK client for `moto`, with the runtime to drive it.
pub fn raw_client(moto: &Moto) -> (tokio::runtime::Runtime, aws_sdk_sagemaker::Client) {
    let config = aws_sdk_sagemaker::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(&moto.endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    (runtime, aws_sdk_sagemaker::Client::from_conf(config))
}

/// Settings loaded from `text` written as `settings.ini` to a temporary folder, as the runner
/// loads them.
///
/// # Panics
/// When the settings do not load (the message is the error chain).
pub fn load_settings(text: &str) -> Settings {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.ini");
    std::fs::write(&path, text).unwrap();
    Settings::load(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// The parts of a training job definition as moto recorded it, read from a described training
/// job or from a tuning job's `TrainingJobDefinition` (the SDK has a type for each).
pub struct TrainingDefinition<'a> {
    /// The algorithm specification's training image.
    pub image: Option<&'a str>,
    /// The algorithm specification's input mode.
    pub input_mode: Option<&'a TrainingInputMode>,
    /// The execution role.
    pub role_arn: Option<&'a str>,
    /// The input channels.
    pub channels: &'a [Channel],
    /// Where the model artifacts go.
    pub output: Option<&'a OutputDataConfig>,
    /// Instance type, count and volume.
    pub resources: Option<&'a ResourceConfig>,
    /// Runtime and spot wait limits.
    pub stopping: Option<&'a StoppingCondition>,
    /// Whether managed spot training is on.
    pub spot: Option<bool>,
    /// Where checkpoints are synced.
    pub checkpoint: Option<&'a CheckpointConfig>,
}

/// Asserts `recorded` is the definition for model `bert` in run 3 of experiment `news` under
/// `s3://ml-bucket/exps`, with the `[sagemaker]` section both moto tests write (ml.g5.xlarge, one
/// instance, 50 GB, 7200 s runtime, spot with 10800 s wait).
///
/// # Panics
/// When a part differs or is missing.
pub fn assert_training_definition(recorded: TrainingDefinition) {
    assert_eq!(recorded.image, Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0"));
    assert_eq!(recorded.input_mode.map(|m| m.as_str()), Some("File"));
    assert_eq!(recorded.role_arn, Some("arn:aws:iam::123456789012:role/SageMakerRole"));
    let channels: Vec<(&str, &str)> = recorded
        .channels
        .iter()
        .map(|c| (c.channel_name().unwrap(), c.data_source().unwrap().s3_data_source().unwrap().s3_uri().unwrap()))
        .collect();
    assert_eq!(
        channels,
        [("config", "s3://ml-bucket/exps/news/runs/3/settings.ini"), ("data", "s3://ml-bucket/exps/news/data/")]
    );
    let output = recorded.output.unwrap();
    assert_eq!(output.s3_output_path(), Some("s3://ml-bucket/exps/news/runs/3/sagemaker/bert/"));
    let resources = recorded.resources.unwrap();
    assert_eq!(resources.instance_type().map(|t| t.as_str()), Some("ml.g5.xlarge"));
    assert_eq!((resources.instance_count(), resources.volume_size_in_gb()), (Some(1), Some(50)));
    let stopping = recorded.stopping.unwrap();
    assert_eq!((stopping.max_runtime_in_seconds(), stopping.max_wait_time_in_seconds()), (Some(7200), Some(10800)));
    assert_eq!(recorded.spot, Some(true));
    let checkpoint = recorded.checkpoint.unwrap();
    assert_eq!(checkpoint.s3_uri(), Some("s3://ml-bucket/exps/news/runs/3/sagemaker/bert/checkpoints/"));
    assert_eq!(checkpoint.local_path(), Some("/opt/ml/checkpoints"));
}

/// Job `name` of kind `K`, which moto completes at once, as both waits see it: `wait_job` reports
/// the final status once and returns it, `wait_job_or_stop` returns it too. Returns that status.
pub fn waited<K>(sagemaker: &SageMaker, name: &str) -> K::Status
where
    K: JobKind,
    K::Status: Clone + PartialEq + std::fmt::Debug,
{
    let mut seen: Vec<K::Status> = Vec::new();
    let done = sagemaker.wait_job::<K>(name, &mut |status| seen.push(status.clone())).unwrap();
    assert_eq!(done.state(), &JobState::Completed);
    assert_eq!(seen, std::slice::from_ref(&done));
    let again = sagemaker.wait_job_or_stop::<K>(name, &mut |_| {}).unwrap();
    assert_eq!(again.state(), &JobState::Completed);
    done
}

/// Asserts that `result` is SageMaker's refusal of `operation` on job `job`, as mlpipe reports it.
pub fn assert_api_error<T: std::fmt::Debug>(result: Result<T, SageMakerError>, operation: &str, job: &str) {
    match result {
        Err(SageMakerError::Api { operation: called, job: named, .. }) => {
            assert_eq!((called, named.as_str()), (operation, job))
        }
        other => panic!("expected an API error from moto, got {other:?}"),
    }
}
