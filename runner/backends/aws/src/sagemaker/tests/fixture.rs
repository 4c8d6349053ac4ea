//! Settings and requests the tests start from: a valid SageMaker setup with spot training, and the
//! requests built from it, which every validator test then breaks in one field.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mlpipe_core::settings::Settings;

use crate::sagemaker::{
    processing_job_request, training_job_request, tuning_job_request, ProcessingJobRequest, ProcessingJobSpec,
    ProcessingStep, TrainingJobRequest, TrainingJobSpec, TuningJobRequest,
};

pub const ROLE: &str = "arn:aws:iam::123456789012:role/SageMakerRole";
pub const IMAGE: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0";
pub const EXPERIMENT_URI: &str = "s3://ml-bucket/exps/news";
pub const RUN_URI: &str = "s3://ml-bucket/exps/news/runs/3";

/// `date -u -d @1709210096` → 2024-02-29 12:34:56 UTC.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_709_210_096)
}

/// The fixture's settings text, with `extra` lines appended to `[sagemaker]`.
pub fn settings_text(extra: &str) -> String {
    format!(
        "[experiment]\nname = news\nroot = s3://ml-bucket/exps\nmodel_names = bert, minilm\n\
         [training]\nbackend = sagemaker\n\
         [sagemaker]\nrole_arn = {ROLE}\nimage_uri = {IMAGE}\ninstance_type = ml.g5.xlarge\n\
         volume_size_gb = 50\nmax_runtime_secs = 7200\nuse_spot = true\nmax_wait_secs = 10800\n\
         processing_instance_type = ml.m5.2xlarge\n{extra}"
    )
}

/// A search over all three range kinds, with log scaling, early stopping and both completion
/// criteria.
pub const TUNING: &str = "strategy = bayesian\nmax_jobs = 12\nmax_parallel_jobs = 3\nearly_stopping = auto\n\
     target_objective = 0.9\nmax_jobs_without_improvement = 5\nlearning_rate = 1e-5 -> 1e-3 log\n\
     epochs = 2 -> 6\nbatch_size = 16, 32\n";

/// The fixture's settings text with `tuning` as its `[tuning]` section.
pub fn tuning_text(tuning: &str) -> String {
    format!("{}[tuning]\n{tuning}", settings_text(""))
}

/// Parses `text` as `/srv/project/settings.ini`.
pub fn settings_from(text: &str) -> Settings {
    Settings::parse(text, Path::new("/srv/project/settings.ini"), &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// The fixture's settings.
pub fn settings() -> Settings {
    settings_from(&settings_text(""))
}

/// Training `bert` in run 3 with one tuning override.
pub fn training_spec() -> TrainingJobSpec {
    TrainingJobSpec {
        experiment_uri: EXPERIMENT_URI.into(),
        run_uri: RUN_URI.into(),
        run: 3,
        model: "bert".into(),
        overrides: vec![("training.learning_rate".into(), "3e-05".into())],
        extra_env: vec![],
        now: now(),
    }
}

/// Tuning `bert` in run 3: the training spec without overrides.
pub fn tuning_spec() -> TrainingJobSpec {
    TrainingJobSpec { overrides: vec![], ..training_spec() }
}

/// The valid tuning request of the fixture's [`TUNING`] search.
pub fn tuning_request() -> TuningJobRequest {
    tuning_job_request(&settings_from(&tuning_text(TUNING)), &tuning_spec()).unwrap()
}

/// Running `step` (with `run` for infer).
pub fn processing_spec(step: ProcessingStep, run: Option<u64>) -> ProcessingJobSpec {
    ProcessingJobSpec {
        experiment_uri: EXPERIMENT_URI.into(),
        settings_uri: format!("{RUN_URI}/settings.ini"),
        step,
        run,
        now: now(),
    }
}

/// The valid training request of the fixture.
pub fn training_request() -> TrainingJobRequest {
    training_job_request(&settings(), &training_spec()).unwrap()
}

/// The valid `prepare` processing request of the fixture.
pub fn processing_request() -> ProcessingJobRequest {
    processing_job_request(&settings(), &processing_spec(ProcessingStep::Prepare, None)).unwrap()
}
