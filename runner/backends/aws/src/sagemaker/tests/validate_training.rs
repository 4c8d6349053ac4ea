//! `validate_training`: the fixture's request passes; breaking one field at a time fails with a
//! message naming that field. One test per rule.

use super::fixture::training_request;
use crate::sagemaker::{validate_training, MetricDefinition, SageMakerError, Tag, TrainingJobRequest};

/// The message for the fixture's request after `change`.
fn refused(change: impl FnOnce(&mut TrainingJobRequest)) -> String {
    let mut request = training_request();
    change(&mut request);
    let error = validate_training(&request).expect_err("the request should be refused");
    assert!(matches!(error, SageMakerError::Invalid { .. }));
    let message = error.to_string();
    assert!(!message.contains('\n'), "{message}");
    message
}

#[test]
fn the_built_request_is_valid() {
    validate_training(&training_request()).unwrap();
}

#[test]
fn job_name_must_match_sagemakers_pattern() {
    assert_eq!(
        refused(|r| r.training_job_name = "news_r3".into()),
        "sagemaker request: TrainingJobName = \"news_r3\": \
         expected 1 to 63 letters, digits and '-', starting and ending with a letter or digit"
    );
    assert!(refused(|r| r.training_job_name = "x".repeat(64)).starts_with("sagemaker request: TrainingJobName"));
    assert!(refused(|r| r.training_job_name = "-news".into()).starts_with("sagemaker request: TrainingJobName"));
}

#[test]
fn role_and_image_must_be_shaped() {
    assert!(refused(|r| r.role_arn = "SageMakerRole".into())
        .starts_with("sagemaker request: RoleArn = \"SageMakerRole\": expected an IAM role ARN"));
    assert!(refused(|r| r.algorithm_specification.training_image = "mlpipe:latest".into()).starts_with(
        "sagemaker request: AlgorithmSpecification.TrainingImage = \"mlpipe:latest\": expected an ECR image URI"
    ));
}

#[test]
fn instance_type_must_be_a_training_type() {
    assert_eq!(
        refused(|r| r.setup.resource_config.instance_type = "m5.large".into()),
        "sagemaker request: ResourceConfig.InstanceType = \"m5.large\": expected an instance type like ml.m5.xlarge"
    );
    assert!(refused(|r| r.setup.resource_config.instance_type = "ml.g5.huge".into()).ends_with("like ml.m5.xlarge"));
    assert!(refused(|r| r.setup.resource_config.instance_type = "ml.g9.xlarge".into())
        .ends_with("not a sagemaker training instance type"));
}

#[test]
fn instance_count_and_volume_have_ranges() {
    assert_eq!(
        refused(|r| r.setup.resource_config.instance_count = 0),
        "sagemaker request: ResourceConfig.InstanceCount = \"0\": expected an integer from 1 to 2147483647"
    );
    assert!(refused(|r| r.setup.resource_config.volume_size_in_gb = 0).ends_with("expected an integer from 1 to 16384"));
    assert!(refused(|r| r.setup.resource_config.volume_size_in_gb = 16385)
        .starts_with("sagemaker request: ResourceConfig.VolumeSizeInGB = \"16385\""));
}

#[test]
fn runtime_is_at_most_28_days() {
    assert_eq!(
        refused(|r| r.setup.stopping_condition.max_runtime_in_seconds = 2_419_201),
        "sagemaker request: StoppingCondition.MaxRuntimeInSeconds = \"2419201\": expected an integer from 1 to 2419200"
    );
    assert!(refused(|r| r.setup.stopping_condition.max_runtime_in_seconds = 0).contains("MaxRuntimeInSeconds = \"0\""));
}

#[test]
fn spot_needs_a_wait_limit_no_shorter_than_the_runtime() {
    assert_eq!(
        refused(|r| r.setup.stopping_condition.max_wait_time_in_seconds = Some(3600)),
        "sagemaker request: StoppingCondition.MaxWaitTimeInSeconds = \"3600\": \
         expected at least MaxRuntimeInSeconds (7200)"
    );
    assert_eq!(
        refused(|r| r.setup.stopping_condition.max_wait_time_in_seconds = None),
        "sagemaker request: StoppingCondition.MaxWaitTimeInSeconds = \"\": \
         managed spot training needs a wait limit of at least MaxRuntimeInSeconds (7200)"
    );
    assert!(refused(|r| r.setup.stopping_condition.max_wait_time_in_seconds = Some(1 << 40))
        .ends_with("expected an integer from 1 to 2147483647"));
}

#[test]
fn spot_needs_a_checkpoint_config() {
    assert_eq!(
        refused(|r| r.setup.checkpoint_config = None),
        "sagemaker request: CheckpointConfig = \"\": \
         managed spot training needs a checkpoint config to resume after an interruption"
    );
}

#[test]
fn a_wait_limit_without_spot_is_refused() {
    assert!(refused(|r| r.setup.enable_managed_spot_training = false)
        .ends_with("MaxWaitTimeInSeconds = \"10800\": only allowed with EnableManagedSpotTraining = true"));
    let mut request = training_request();
    request.setup.enable_managed_spot_training = false;
    request.setup.stopping_condition.max_wait_time_in_seconds = None;
    request.setup.checkpoint_config = None;
    validate_training(&request).unwrap();
}

#[test]
fn at_most_40_metric_definitions() {
    let metric = MetricDefinition { name: "m".into(), regex: "m=(\\d+)".into() };
    assert_eq!(
        refused(|r| r.algorithm_specification.metric_definitions = vec![metric; 41]),
        "sagemaker request: AlgorithmSpecification.MetricDefinitions = \"41 metric definitions\": \
         expected at most 40 metric definitions"
    );
}

#[test]
fn metric_names_have_1_to_255_characters() {
    assert_eq!(
        refused(|r| r.algorithm_specification.metric_definitions[2].name = String::new()),
        "sagemaker request: AlgorithmSpecification.MetricDefinitions[2].Name = \"\": expected 1 to 255 characters, got 0"
    );
    assert!(refused(|r| r.algorithm_specification.metric_definitions[0].name = "n".repeat(256)).ends_with("got 256"));
}

#[test]
fn metric_regexes_have_1_to_500_characters_and_must_be_well_formed() {
    assert!(refused(|r| r.algorithm_specification.metric_definitions[0].regex = format!("({})", "a".repeat(499)))
        .ends_with("expected 1 to 500 characters, got 501"));
    assert!(refused(|r| r.algorithm_specification.metric_definitions[0].regex = String::new())
        .ends_with("expected 1 to 500 characters, got 0"));
    assert_eq!(
        refused(|r| r.algorithm_specification.metric_definitions[1].regex = "loss=([0-9.]+".into()),
        "sagemaker request: AlgorithmSpecification.MetricDefinitions[1].Regex = \"loss=([0-9.]+\": \
         regex has a '(' without ')'"
    );
    assert!(refused(|r| r.algorithm_specification.metric_definitions[1].regex = "loss=[0-9.]+".into())
        .ends_with("regex has no capture group for the value"));
}

#[test]
fn hyperparameters_are_limited_in_count_and_size() {
    let many = |r: &mut TrainingJobRequest| {
        r.hyper_parameters.extend((0..98).map(|i| (format!("training.k{i}"), "1".to_string())));
    };
    assert_eq!(refused(many), "sagemaker request: HyperParameters = \"101 entries\": expected at most 100 entries");
    assert!(refused(|r| {
        r.hyper_parameters.insert(format!("training.{}", "k".repeat(250)), "1".into());
    })
    .ends_with("expected 1 to 256 characters, got 259"));
    assert!(refused(|r| {
        r.hyper_parameters.insert("plugin.prompt".into(), "p".repeat(2501));
    })
    .ends_with("HyperParameters.plugin.prompt = \"pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp...\": \
                expected at most 2500 characters, got 2501"));
}

#[test]
fn environment_is_limited_in_names_count_and_size() {
    let set = |key: &str, value: &str| {
        let (key, value) = (key.to_string(), value.to_string());
        move |r: &mut TrainingJobRequest| {
            r.setup.environment.insert(key, value);
        }
    };
    assert_eq!(
        refused(set("NCCL-DEBUG", "INFO")),
        "sagemaker request: Environment = \"NCCL-DEBUG\": \
         expected a variable name of letters, digits and '_', not starting with a digit"
    );
    assert!(refused(set(&"K".repeat(513), "v")).ends_with("expected 1 to 512 characters, got 513"));
    assert!(refused(set("K", &"v".repeat(513))).ends_with("expected at most 512 characters, got 513"));
    assert!(refused(|r| r.setup.environment.extend((0..100).map(|i| (format!("V{i}"), String::new()))))
        .ends_with("expected at most 100 variables"));
}

#[test]
fn channels_need_good_unique_names_and_s3_uris() {
    assert_eq!(
        refused(|r| r.setup.input_data_config[1].channel_name = "my data".into()),
        "sagemaker request: InputDataConfig[1].ChannelName = \"my data\": \
         expected 1 to 64 letters, digits, '.', '-' and '_'"
    );
    assert!(refused(|r| r.setup.input_data_config[1].channel_name = "c".repeat(65))
        .contains("InputDataConfig[1].ChannelName"));
    assert!(refused(|r| r.setup.input_data_config[1].channel_name = "config".into())
        .ends_with("channel names must be unique"));
    assert!(refused(|r| r.setup.input_data_config[0].data_source.s3_data_source.s3_uri = "/local/settings.ini".into())
        .starts_with(
            "sagemaker request: InputDataConfig[0].DataSource.S3DataSource.S3Uri = \"/local/settings.ini\": \
                      expected an S3 URI"
        ));
    let channel = training_request().setup.input_data_config[0].clone();
    assert!(refused(|r| {
        r.setup.input_data_config = (0..21)
            .map(|i| {
                let mut c = channel.clone();
                c.channel_name = format!("c{i}");
                c
            })
            .collect()
    })
    .ends_with("expected at most 20 channels"));
}

#[test]
fn output_and_checkpoint_locations_must_be_s3_uris() {
    assert!(refused(|r| r.setup.output_data_config.s3_output_path = "s3://Bad_Bucket/x".into())
        .starts_with("sagemaker request: OutputDataConfig.S3OutputPath = \"s3://Bad_Bucket/x\": expected an S3 URI"));
    assert!(refused(|r| r.setup.checkpoint_config.as_mut().unwrap().s3_uri = "checkpoints/".into())
        .starts_with("sagemaker request: CheckpointConfig.S3Uri"));
    assert!(refused(|r| r.setup.checkpoint_config.as_mut().unwrap().local_path = "opt/ml/checkpoints".into())
        .ends_with("CheckpointConfig.LocalPath = \"opt/ml/checkpoints\": expected an absolute path"));
}

#[test]
fn tags_are_limited() {
    assert!(refused(|r| r.tags.push(Tag::new("", "x"))).starts_with("sagemaker request: Tags[3].Key = \"\""));
    assert!(refused(|r| r.tags.extend((0..48).map(|i| Tag::new("k", i)))).ends_with("expected at most 50 tags"));
}
