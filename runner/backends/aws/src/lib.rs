//! mlpipe on AWS: [`s3`], the storage backend behind `[experiment] root = s3://bucket/prefix`
//! (it passes the same conformance suite as the local one), and [`sagemaker`], which turns the
//! settings into SageMaker training, tuning and processing job requests, validates them before
//! anything is spent, prints them for `--dry-run`, submits them and waits; [`mlflow`] reaches
//! SageMaker's managed MLflow (SigV4-signed requests, artifacts written to S3). The AWS SDK stays
//! in this crate: mlpipe-core only sees the `Storage` trait and mlpipe-tracking's access traits.
//!
//! On top of those, the pipeline's SageMaker side: [`backend::SageMakerBackend`] implements core's
//! `pipeline::Backend` by running each step as a SageMaker job, and [`container`] is the other
//! end, what the image does inside a job (`runner --container STEP`: the `/opt/ml` contract).

#![warn(missing_docs)]

pub mod backend;
pub mod container;
pub mod mlflow;
mod remote;
pub mod s3;
pub mod sagemaker;

pub use remote::Aws;
