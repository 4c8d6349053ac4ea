//! mlpipe on AWS: [`s3`], the storage backend behind `[experiment] root = s3://bucket/prefix`
//! (it passes the same conformance suite as the local one), and [`sagemaker`], which turns the
//! settings into SageMaker training, tuning and processing job requests, validates them before
//! anything is spent, prints them for `--dry-run`, submits them and waits. The AWS SDK stays in
//! this crate: mlpipe-core only sees the `Storage` trait.

pub mod s3;
pub mod sagemaker;
