//! mlpipe's view of a run in MLflow, over MLflow's REST API (no Python). mlpipe's run folder is the
//! source of truth; MLflow is a view of it, kept up to date two ways: live, by a
//! [`BufferedTracker`] that the training loop feeds [`Event`]s and that never blocks or fails
//! training, and after the fact, by [`sync_run`], which idempotently sends whatever MLflow lacks
//! from a complete [`RunSnapshot`]. Both sit on [`MlflowClient`], one blocking request per call,
//! whose failures are [`TrackingError`]s saying whether a retry may help. This crate knows nothing
//! of mlpipe's folders: callers hand it plain data.

mod artifacts;
pub mod batch;
mod client;
mod data;
mod error;
mod http;
mod sync;
mod tracker;
mod wire;

pub use artifacts::ArtifactEntry;
pub use client::MlflowClient;
pub use data::{Metric, RunRecord, RunSpec, RunStatus, PARENT_RUN_TAG, RUN_KEY_TAG};
pub use error::TrackingError;
pub use sync::{sync_run, RunSnapshot, SyncReport};
pub use tracker::{BufferedTracker, Delivery, Event, FinishReport};
