//! Test helpers shared by the integration tests of mlpipe-aws.
#![allow(dead_code)]
pub mod moto;
pub mod sagemaker;
