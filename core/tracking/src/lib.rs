//! mlpipe's view of a run in MLflow, over MLflow's REST API (no Python). mlpipe's run folder is the
//! source of truth; MLflow is a view of it, kept up to date two ways: live, by a
//! [`BufferedTracker`] that the training loop feeds [`Event`]s and that never blocks or fails
//! training, and after the fact, by [`sync_run`], which idempotently sends whatever MLflow lacks
//! from a complete [`RunSnapshot`]. Both sit on [`MlflowClient`], one blocking request per call,
//! whose failures are [`TrackingError`]s saying whether a retry may help. A server that wants more
//! than plain HTTP (SageMaker's managed MLflow, named by a [`SageMakerArn`]) is reached through a
//! [`RequestSigner`] and [`ArtifactObjects`] that the caller supplies. This crate knows nothing of
//! mlpipe's folders or of the AWS SDK: callers hand it plain data.
#![warn(missing_docs)]

mod access;
mod artifacts;
pub mod batch;
mod client;
mod data;
mod error;
mod http;
mod sagemaker_arn;
mod sync;
mod tracker;
mod wire;

pub use access::{ArtifactObjects, RequestSigner};
pub use artifacts::ArtifactEntry;
pub use client::MlflowClient;
pub use data::{Metric, RunRecord, RunSpec, RunStatus, PARENT_RUN_TAG, RUN_KEY_TAG};
pub use error::TrackingError;
pub use sagemaker_arn::{SageMakerArn, ARN_HEADER, SIGNING_SERVICE};
pub use sync::{sync_run, RunSnapshot, SyncReport};
pub use tracker::{BufferedTracker, Delivery, Event, FinishReport};
