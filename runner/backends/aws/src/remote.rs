//! [`Aws`]: mlpipe-core's [`Remote`] services on AWS, which the runner hands every job: S3
//! experiment roots and SageMaker-managed MLflow servers.

use mlpipe_core::job::Remote;
use mlpipe_core::settings::Root;
use mlpipe_core::storage::Storage;
use mlpipe_core::{Error, Result};
use mlpipe_tracking::{MlflowClient, SageMakerArn};
use std::sync::Arc;
use std::time::Duration;

/// S3 storage and SageMaker's managed MLflow, with the standard AWS configuration chain.
pub struct Aws;

impl Remote for Aws {
    fn open_root(&self, root: &Root) -> Result<Arc<dyn Storage>> {
        crate::s3::open_root(root)
    }

    fn sagemaker_mlflow(&self, arn: &SageMakerArn, timeout: Duration) -> Result<MlflowClient> {
        crate::mlflow::sagemaker_client(arn, timeout)
            .map_err(|source| Error::Io { path: format!("SageMaker MLflow client for {arn}").into(), source })
    }
}
