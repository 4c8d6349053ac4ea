//! `validate_processing`: the fixture's request passes; breaking one field at a time fails with a
//! message naming that field. One test per rule.

use super::fixture::processing_request;
use crate::sagemaker::{validate_processing, ProcessingJobRequest, Tag};

/// The message for the fixture's request after `change`.
fn refused(change: impl FnOnce(&mut ProcessingJobRequest)) -> String {
    let mut request = processing_request();
    change(&mut request);
    validate_processing(&request).expect_err("the request should be refused").to_string()
}

#[test]
fn the_built_request_is_valid() {
    validate_processing(&processing_request()).unwrap();
}

#[test]
fn job_name_role_and_image_are_checked() {
    assert!(
        refused(|r| r.processing_job_name = "news.prepare".into()).starts_with("sagemaker request: ProcessingJobName")
    );
    assert!(
        refused(|r| r.role_arn = "arn:aws:iam::123456789012:user/x".into()).starts_with("sagemaker request: RoleArn")
    );
    assert!(refused(|r| r.app_specification.image_uri = "docker.io/mlpipe".into())
        .starts_with("sagemaker request: AppSpecification.ImageUri = \"docker.io/mlpipe\": expected an ECR image URI"));
}

#[test]
fn instance_type_must_be_a_processing_type() {
    let set = |t: &str| {
        let t = t.to_string();
        move |r: &mut ProcessingJobRequest| r.processing_resources.cluster_config.instance_type = t
    };
    assert_eq!(
        refused(set("ml.c5n.xlarge")),
        "sagemaker request: ProcessingResources.ClusterConfig.InstanceType = \"ml.c5n.xlarge\": \
         not a sagemaker processing instance type"
    );
    assert!(refused(set("c5.xlarge")).ends_with("expected an instance type like ml.m5.xlarge"));
}

#[test]
fn cluster_count_volume_and_runtime_have_ranges() {
    assert!(refused(|r| r.processing_resources.cluster_config.instance_count = 0)
        .ends_with("InstanceCount = \"0\": expected an integer from 1 to 100"));
    assert!(refused(|r| r.processing_resources.cluster_config.instance_count = 101).ends_with("from 1 to 100"));
    assert!(refused(|r| r.processing_resources.cluster_config.volume_size_in_gb = 20000)
        .ends_with("VolumeSizeInGB = \"20000\": expected an integer from 1 to 16384"));
    assert_eq!(
        refused(|r| r.stopping_condition.max_runtime_in_seconds = 777_601),
        "sagemaker request: StoppingCondition.MaxRuntimeInSeconds = \"777601\": expected an integer from 1 to 777600"
    );
}

#[test]
fn entrypoint_and_arguments_are_limited() {
    assert!(refused(|r| r.app_specification.container_entrypoint.clear())
        .ends_with("AppSpecification.ContainerEntrypoint = \"\": expected at least one entry"));
    assert!(refused(|r| r.app_specification.container_entrypoint[0] = String::new()).starts_with(
        "sagemaker request: AppSpecification.ContainerEntrypoint[0] = \"\": expected 1 to 256 characters"
    ));
    assert!(refused(|r| r.app_specification.container_arguments.push("a".repeat(257)))
        .contains("AppSpecification.ContainerArguments[1]"));
    assert!(refused(|r| r.app_specification.container_arguments.extend((0..100).map(|i| i.to_string())))
        .ends_with("expected at most 100 entries"));
}

#[test]
fn inputs_need_unique_names_s3_uris_and_local_paths_under_processing() {
    let input = processing_request().processing_inputs[0].clone();
    assert!(refused(|r| r.processing_inputs.push(input.clone())).ends_with("input names must be unique"));
    assert!(refused(|r| r.processing_inputs[0].input_name = "con fig".into())
        .contains("ProcessingInputs[0].InputName = \"con fig\""));
    assert!(refused(|r| r.processing_inputs[0].s3_input.s3_uri = "settings.ini".into())
        .starts_with("sagemaker request: ProcessingInputs[0].S3Input.S3Uri"));
    assert_eq!(
        refused(|r| r.processing_inputs[0].s3_input.local_path = "/opt/ml/input/config".into()),
        "sagemaker request: ProcessingInputs[0].S3Input.LocalPath = \"/opt/ml/input/config\": \
         expected a folder under /opt/ml/processing/"
    );
    assert!(
        refused(|r| r.processing_inputs[0].s3_input.local_path = format!("/opt/ml/processing/{}", "p".repeat(240)))
            .ends_with("expected 1 to 256 characters, got 259")
    );
    assert!(refused(|r| {
        r.processing_inputs = (0..11)
            .map(|i| {
                let mut input = input.clone();
                input.input_name = format!("in{i}");
                input
            })
            .collect()
    })
    .ends_with("expected at most 10 inputs"));
}

#[test]
fn environment_limits_are_256() {
    assert!(refused(|r| {
        r.environment.insert("K".into(), "v".repeat(257));
    })
    .ends_with("Environment.K = \"vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv...\": expected at most 256 characters, got 257"));
    assert!(refused(|r| {
        r.environment.insert("K".repeat(257), "v".into());
    })
    .ends_with("expected 1 to 256 characters, got 257"));
}

#[test]
fn tags_are_checked() {
    assert!(refused(|r| r.tags.push(Tag::new(&"k".repeat(129), "v"))).starts_with("sagemaker request: Tags[2].Key"));
}
