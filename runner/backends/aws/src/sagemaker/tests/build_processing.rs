//! `processing_job_request`: entrypoint, arguments, the settings input and the cluster follow the
//! container contract; the run number goes with `infer` only.

use std::collections::BTreeMap;

use super::fixture::{self, processing_spec, settings, settings_from, settings_text, IMAGE, ROLE};
use crate::sagemaker::{processing_job_request, ProcessingStep, S3DataType, S3InputMode, Tag};

#[test]
fn request_follows_the_container_contract() {
    let request = fixture::processing_request();
    assert_eq!(request.processing_job_name, "news-prepare-20240229123456");
    assert_eq!(request.role_arn, ROLE);
    let app = &request.app_specification;
    assert_eq!(app.image_uri, IMAGE);
    assert_eq!(app.container_entrypoint, ["runner", "--plugin", "/opt/mlpipe/plugin.so", "--container"]);
    assert_eq!(app.container_arguments, ["prepare"]);
    let cluster = &request.processing_resources.cluster_config;
    assert_eq!(
        (cluster.instance_count, cluster.instance_type.as_str(), cluster.volume_size_in_gb),
        (1, "ml.m5.2xlarge", 50)
    );
    let [input] = request.processing_inputs.as_slice() else { panic!("one input expected") };
    assert_eq!(input.input_name, "config");
    assert_eq!(input.s3_input.s3_uri, "s3://ml-bucket/exps/news/runs/3/settings.ini");
    assert_eq!(input.s3_input.local_path, "/opt/ml/processing/input/config");
    assert_eq!((input.s3_input.s3_data_type, input.s3_input.s3_input_mode), (S3DataType::S3Prefix, S3InputMode::File));
    assert_eq!(request.stopping_condition.max_runtime_in_seconds, 7200);
    assert_eq!(request.environment, BTreeMap::from([("USE_SMDEBUG".to_string(), "0".to_string())]));
    assert_eq!(request.tags, [Tag::new("mlpipe:experiment", "news"), Tag::new("mlpipe:step", "prepare")]);
}

#[test]
fn infer_passes_the_run() {
    let request = processing_job_request(&settings(), &processing_spec(ProcessingStep::Infer, Some(3))).unwrap();
    assert_eq!(request.processing_job_name, "news-infer-20240229123456");
    assert_eq!(request.app_specification.container_arguments, ["infer", "--run", "3"]);
    assert!(request.tags.contains(&Tag::new("mlpipe:run", 3)));
}

#[test]
fn the_run_goes_with_infer_only() {
    let error = processing_job_request(&settings(), &processing_spec(ProcessingStep::Infer, None)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "sagemaker request: AppSpecification.ContainerArguments = \"infer\": the infer step needs a run number"
    );
    let error = processing_job_request(&settings(), &processing_spec(ProcessingStep::Reconcile, Some(1))).unwrap_err();
    assert!(error.to_string().ends_with("only the infer step takes a run number, got run 1"));
}

#[test]
fn the_time_limit_is_capped_at_nine_days() {
    let text = settings_text("")
        .replace("max_runtime_secs = 7200", "max_runtime_secs = 2419200")
        .replace("max_wait_secs = 10800", "max_wait_secs = 2419200");
    let request =
        processing_job_request(&settings_from(&text), &processing_spec(ProcessingStep::Reconcile, None)).unwrap();
    assert_eq!(request.stopping_condition.max_runtime_in_seconds, 777_600);
}

#[test]
fn a_local_experiment_is_refused() {
    let mut spec = processing_spec(ProcessingStep::Prepare, None);
    spec.experiment_uri = "/srv/project/experiments/news".into();
    let error = processing_job_request(&settings(), &spec).unwrap_err();
    assert!(error.to_string().contains("sagemaker jobs need the experiment root on S3"), "{error}");
}
