//! SageMaker clients for tests against moto: mlpipe's client with moto's endpoint and fake keys,
//! and a bare SDK client to read back everything moto recorded.

use std::time::Duration;

use aws_sdk_sagemaker::config::{BehaviorVersion, Credentials, Region};
use mlpipe_aws::sagemaker::{SageMaker, SageMakerClientConfig, StaticCredentials};

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
