//! `dry_run_json`: the JSON has exactly the API's field names. Moto drops `Environment` and
//! `ProfilerConfig` from training jobs and `ProcessingResources` from processing jobs, so these
//! fields are checked here, in the body that would be sent.

use serde_json::Value;

use super::fixture::{processing_request, training_request};
use crate::sagemaker::dry_run_json;

fn keys(value: &Value) -> Vec<&str> {
    value.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn training_json_has_the_create_training_job_fields() {
    let json: Value = serde_json::from_str(&dry_run_json(&training_request())).unwrap();
    let mut top = keys(&json);
    top.sort_unstable();
    assert_eq!(
        top,
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
    assert_eq!(json["Environment"]["USE_SMDEBUG"], "0");
    assert_eq!(json["ProfilerConfig"]["DisableProfiler"], true);
    assert_eq!(json["AlgorithmSpecification"]["EnableSageMakerMetricsTimeSeries"], true);
    assert_eq!(json["AlgorithmSpecification"]["TrainingInputMode"], "File");
    assert_eq!(json["AlgorithmSpecification"]["MetricDefinitions"][0]["Name"], "train:loss");
    assert_eq!(json["ResourceConfig"]["VolumeSizeInGB"], 50);
    assert_eq!(json["StoppingCondition"]["MaxWaitTimeInSeconds"], 10800);
    let source = &json["InputDataConfig"][0]["DataSource"]["S3DataSource"];
    // serde_json::Value sorts keys.
    assert_eq!(keys(source), ["S3DataDistributionType", "S3DataType", "S3Uri"]);
    assert_eq!(source["S3DataType"], "S3Prefix");
    assert_eq!(json["InputDataConfig"][0]["CompressionType"], "None");
    assert_eq!(json["Tags"][1], serde_json::json!({"Key": "mlpipe:run", "Value": "3"}));
}

#[test]
fn optional_fields_are_left_out_rather_than_null() {
    let mut request = training_request();
    request.setup.enable_managed_spot_training = false;
    request.setup.stopping_condition.max_wait_time_in_seconds = None;
    request.setup.checkpoint_config = None;
    let text = dry_run_json(&request);
    assert!(!text.contains("null"), "{text}");
    let json: Value = serde_json::from_str(&text).unwrap();
    assert!(json.get("CheckpointConfig").is_none());
    assert_eq!(keys(&json["StoppingCondition"]), ["MaxRuntimeInSeconds"]);
    assert!(json["InputDataConfig"][0].get("ContentType").is_none());
}

#[test]
fn processing_json_is_the_create_processing_job_body() {
    let expected = r#"{
  "ProcessingJobName": "news-prepare-20240229123456",
  "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
  "AppSpecification": {
    "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1.0",
    "ContainerEntrypoint": [
      "runner",
      "--plugin",
      "/opt/mlpipe/plugin.so",
      "--container"
    ],
    "ContainerArguments": [
      "prepare"
    ]
  },
  "ProcessingResources": {
    "ClusterConfig": {
      "InstanceCount": 1,
      "InstanceType": "ml.m5.2xlarge",
      "VolumeSizeInGB": 50
    }
  },
  "ProcessingInputs": [
    {
      "InputName": "config",
      "S3Input": {
        "S3Uri": "s3://ml-bucket/exps/news/runs/3/settings.ini",
        "LocalPath": "/opt/ml/processing/input/config",
        "S3DataType": "S3Prefix",
        "S3InputMode": "File"
      }
    }
  ],
  "StoppingCondition": {
    "MaxRuntimeInSeconds": 7200
  },
  "Environment": {
    "USE_SMDEBUG": "0"
  },
  "Tags": [
    {
      "Key": "mlpipe:experiment",
      "Value": "news"
    },
    {
      "Key": "mlpipe:step",
      "Value": "prepare"
    }
  ]
}"#;
    assert_eq!(dry_run_json(&processing_request()), expected);
}
