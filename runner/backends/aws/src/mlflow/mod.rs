//! SageMaker's managed MLflow: a tracking server named by ARN is reached at its regional endpoint
//! with every request signed by [`SigV4Signer`] (service `sagemaker-mlflow`, credentials from the
//! standard AWS chain), and its runs' artifacts, which live in S3, are written there directly by
//! [`S3Objects`], as AWS's `sagemaker-mlflow` plugin for MLflow's Python client does.

mod objects;
mod signer;

pub use objects::S3Objects;
pub use signer::SigV4Signer;

use mlpipe_tracking::{MlflowClient, SageMakerArn, ARN_HEADER};
use std::sync::Arc;
use std::time::Duration;

/// Points the endpoint elsewhere (a gateway, a test double), as for AWS's Python plugin.
pub const CUSTOM_ENDPOINT_VAR: &str = "SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT";

/// A client of the managed server `arn`: its regional endpoint (or `SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT`),
/// the routing header, SigV4 signing and S3 artifacts; each request gives up after `timeout`.
/// Credentials are looked up at the first request, so a missing one is that request's error.
///
/// # Errors
/// When the signer's or the S3 client's runtime threads cannot be started.
pub fn sagemaker_client(arn: &SageMakerArn, timeout: Duration) -> std::io::Result<MlflowClient> {
    let endpoint = std::env::var(CUSTOM_ENDPOINT_VAR)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .unwrap_or_else(|| arn.endpoint());
    let signer = SigV4Signer::from_environment(&arn.region)?;
    Ok(MlflowClient::new(&endpoint, timeout)
        .with_signer(Arc::new(signer), vec![(ARN_HEADER.to_string(), arn.arn.clone())])
        .with_artifact_objects(Arc::new(S3Objects::new(&arn.region))))
}
