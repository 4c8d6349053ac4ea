//! mlpipe on AWS: [`s3`], the storage backend behind `[experiment] root = s3://bucket/prefix`
//! (it passes the same conformance suite as the local one), and [`sagemaker`], which turns the
//! settings into SageMaker training, tuning and processing job requests, validates them before
//! anything is spent, prints them for `--dry-run`, submits them and waits; [`mlflow`] reaches
//! SageMaker's managed MLflow (SigV4-signed requests, artifacts written to S3). The AWS SDK stays
//! in this crate: mlpipe-core only sees the `Storage` trait and mlpipe-tracking's access traits.

pub mod backend;
pub mod mlflow;
mod remote;
pub mod s3;
pub mod sagemaker;

pub use remote::Aws;
