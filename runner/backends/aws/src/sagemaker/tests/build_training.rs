//! `training_job_request`: the request follows the container contract field by field, and the
//! settings mistakes that SageMaker would not catch are refused.

use std::collections::BTreeMap;

use super::fixture::{self, settings, settings_from, settings_text, training_spec, IMAGE, ROLE};
use crate::sagemaker::{
    training_job_request, CompressionType, S3DataDistributionType, S3DataType, SageMakerError, Tag, TrainingInputMode,
};

fn refusal(text: &str, spec: &crate::sagemaker::TrainingJobSpec) -> String {
    training_job_request(&settings_from(text), spec).unwrap_err().to_string()
}

#[test]
fn request_follows_the_container_contract() {
    let request = fixture::training_request();
    assert_eq!(request.training_job_name, "news-r3-bert-20240229123456");
    assert_eq!(request.role_arn, ROLE);
    let algorithm = &request.algorithm_specification;
    assert_eq!(algorithm.training_image, IMAGE);
    assert_eq!(algorithm.training_input_mode, TrainingInputMode::File);
    assert!(algorithm.enable_sagemaker_metrics_time_series);
    let metric = algorithm.metric_definitions.iter().find(|m| m.name == "validation:macro_f1").unwrap();
    assert_eq!(metric.regex, r"\[metric\] epoch=[0-9]+ step=[0-9]+ validation\:macro_f1=([-+0-9.eEinfa]+)");
    let channels: Vec<(&str, &str)> = request
        .setup
        .input_data_config
        .iter()
        .map(|c| (c.channel_name.as_str(), c.data_source.s3_data_source.s3_uri.as_str()))
        .collect();
    assert_eq!(
        channels,
        [("config", "s3://ml-bucket/exps/news/runs/3/settings.ini"), ("data", "s3://ml-bucket/exps/news/data/")]
    );
    for channel in &request.setup.input_data_config {
        let source = &channel.data_source.s3_data_source;
        assert_eq!(source.s3_data_type, S3DataType::S3Prefix);
        assert_eq!(source.s3_data_distribution_type, S3DataDistributionType::FullyReplicated);
        assert_eq!(channel.compression_type, CompressionType::None);
    }
    assert_eq!(request.setup.output_data_config.s3_output_path, "s3://ml-bucket/exps/news/runs/3/sagemaker/bert/");
    let resources = &request.setup.resource_config;
    assert_eq!(
        (resources.instance_type.as_str(), resources.instance_count, resources.volume_size_in_gb),
        ("ml.g5.xlarge", 1, 50)
    );
    assert_eq!(request.setup.stopping_condition.max_runtime_in_seconds, 7200);
    assert_eq!(request.setup.stopping_condition.max_wait_time_in_seconds, Some(10800));
    assert!(request.setup.enable_managed_spot_training);
    let checkpoint = request.setup.checkpoint_config.as_ref().unwrap();
    assert_eq!(checkpoint.s3_uri, "s3://ml-bucket/exps/news/runs/3/sagemaker/bert/checkpoints/");
    assert_eq!(checkpoint.local_path, "/opt/ml/checkpoints");
    let expected: BTreeMap<String, String> =
        [("mlpipe.model", "bert"), ("mlpipe.run", "3"), ("training.learning_rate", "3e-05")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
    assert_eq!(request.hyper_parameters, expected);
    assert_eq!(request.setup.environment, BTreeMap::from([("USE_SMDEBUG".to_string(), "0".to_string())]));
    assert!(request.profiler_config.disable_profiler);
    assert_eq!(
        request.tags,
        [Tag::new("mlpipe:experiment", "news"), Tag::new("mlpipe:run", 3), Tag::new("mlpipe:model", "bert")]
    );
}

#[test]
fn without_spot_there_is_no_wait_limit() {
    let text = settings_text("").replace("use_spot = true\nmax_wait_secs = 10800\n", "");
    let request = training_job_request(&settings_from(&text), &training_spec()).unwrap();
    assert!(!request.setup.enable_managed_spot_training);
    assert_eq!(request.setup.stopping_condition.max_wait_time_in_seconds, None);
    // Checkpoints are still synced: they are cheap and make a stopped job's progress visible.
    assert!(request.setup.checkpoint_config.is_some());
}

#[test]
fn a_configured_checkpoint_prefix_is_split_per_experiment_run_and_model() {
    let text = settings_text("checkpoint_s3_uri = s3://ckpt-bucket/mlpipe/\n");
    let request = training_job_request(&settings_from(&text), &training_spec()).unwrap();
    assert_eq!(request.setup.checkpoint_config.unwrap().s3_uri, "s3://ckpt-bucket/mlpipe/news/3/bert/");
}

#[test]
fn extra_environment_is_added_and_may_override() {
    let mut spec = training_spec();
    spec.extra_env = vec![("NCCL_DEBUG".into(), "INFO".into()), ("USE_SMDEBUG".into(), "1".into())];
    let request = training_job_request(&settings(), &spec).unwrap();
    assert_eq!(request.setup.environment["NCCL_DEBUG"], "INFO");
    assert_eq!(request.setup.environment["USE_SMDEBUG"], "1");
}

#[test]
fn missing_role_or_image_names_the_setting() {
    let text = "[experiment]\nname = news\nmodel_names = bert\n";
    let error = training_job_request(&settings_from(text), &training_spec()).unwrap_err();
    assert!(matches!(error, SageMakerError::MissingSetting { key: "sagemaker.role_arn" }));
    assert_eq!(error.to_string(), "sagemaker settings: sagemaker.role_arn is required to run sagemaker jobs");
    let text = format!("{text}[sagemaker]\nrole_arn = {ROLE}\n");
    assert_eq!(
        refusal(&text, &training_spec()),
        "sagemaker settings: sagemaker.image_uri is required to run sagemaker jobs"
    );
}

#[test]
fn unknown_models_are_refused() {
    let mut spec = training_spec();
    spec.model = "gpt".into();
    assert_eq!(
        refusal(&settings_text(""), &spec),
        "sagemaker request: HyperParameters.mlpipe.model = \"gpt\": expected one of experiment.model_names (bert, minilm)"
    );
}

#[test]
fn overrides_must_be_section_keys_outside_mlpipes_own() {
    let mut spec = training_spec();
    spec.overrides = vec![("learning_rate".into(), "1e-4".into())];
    assert_eq!(
        refusal(&settings_text(""), &spec),
        "sagemaker request: HyperParameters.learning_rate = \"1e-4\": expected an override named section.key"
    );
    spec.overrides = vec![("mlpipe.run".into(), "9".into())];
    assert!(refusal(&settings_text(""), &spec).ends_with("the mlpipe section is reserved for mlpipe"));
}

#[test]
fn several_instances_need_distributed_training() {
    let text = settings_text("instance_count = 2\n");
    assert_eq!(
        refusal(&text, &training_spec()),
        "sagemaker request: ResourceConfig.InstanceCount = \"2\": \
         more than one instance needs training.use_distributed = true"
    );
    let text = text.replace("backend = sagemaker\n", "backend = sagemaker\nuse_distributed = true\n");
    let request = training_job_request(&settings_from(&text), &training_spec()).unwrap();
    assert_eq!(request.setup.resource_config.instance_count, 2);
}

#[test]
fn long_names_are_cut_to_sagemakers_limit() {
    let text = settings_text("").replace("name = news", &format!("name = {}", "n".repeat(70)));
    let request = training_job_request(&settings_from(&text), &training_spec()).unwrap();
    assert_eq!(request.training_job_name.len(), 63);
    assert!(request.training_job_name.ends_with("-20240229123456"));
}
