//! A job: validated settings plus the storage and experiment layout they point at. Every step
//! takes one, so where files live is decided once.

use crate::layout::ExperimentLayout;
use crate::settings::{Root, Settings};
use crate::storage::{self, Storage};
use crate::{Error, Result};
use mlpipe_tracking::{MlflowClient, SageMakerArn};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The settings of a run and the experiment's storage.
pub struct Job {
    /// The validated settings.
    pub settings: Settings,
    /// The experiment's storage (local folder or `s3://` prefix).
    pub storage: Arc<dyn Storage>,
    /// The experiment's keys.
    pub layout: ExperimentLayout,
    /// What reaches beyond local disk and plain HTTP.
    pub remote: Arc<dyn Remote>,
}

/// Services that need the AWS SDK: storage roots that are not a local folder (`s3://…`) and
/// SageMaker-managed MLflow servers. The runner passes mlpipe-aws's, so that mlpipe-core does not
/// depend on the SDK.
pub trait Remote: Send + Sync {
    /// Opens the storage of a remote `root`.
    ///
    /// # Errors
    /// A root that cannot be opened (a missing bucket, no access).
    fn open_root(&self, root: &Root) -> Result<Arc<dyn Storage>>;

    /// A client of the managed MLflow server `arn` whose requests give up after `timeout`.
    ///
    /// # Errors
    /// When the client cannot be set up.
    fn sagemaker_mlflow(&self, arn: &SageMakerArn, timeout: Duration) -> Result<MlflowClient>;
}

/// No remote services: local roots and self-hosted MLflow servers only.
pub struct LocalOnly;

impl Remote for LocalOnly {
    fn open_root(&self, root: &Root) -> Result<Arc<dyn Storage>> {
        Err(Error::Unsupported { what: format!("experiment.root = {root}: no S3 storage backend in this program") })
    }

    fn sagemaker_mlflow(&self, arn: &SageMakerArn, _timeout: Duration) -> Result<MlflowClient> {
        Err(Error::Unsupported { what: format!("tracking.mlflow_uri = {arn}: no AWS support in this program") })
    }
}

impl Job {
    /// Opens the storage named by `[experiment] root`; only local roots (see [`Job::open_with`]).
    ///
    /// # Errors
    /// An S3 root, or an invalid experiment name for the layout.
    pub fn open(settings: Settings) -> Result<Job> {
        Self::open_with(settings, Arc::new(LocalOnly))
    }

    /// Opens the storage named by `[experiment] root`, remote roots through `remote`.
    ///
    /// # Errors
    /// A root `remote` cannot open, or an invalid experiment name for the layout.
    pub fn open_with(settings: Settings, remote: Arc<dyn Remote>) -> Result<Job> {
        let storage = match &settings.experiment.root {
            Root::Local(path) => storage::local(normalize(path)),
            root @ Root::S3 { .. } => remote.open_root(root)?,
        };
        let layout = ExperimentLayout::new(&settings.experiment.name).map_err(Error::Storage)?;
        Ok(Job { settings, storage, layout, remote })
    }

    /// Whether several models are compared (their prepared columns are prefixed).
    pub fn is_comparison(&self) -> bool {
        self.settings.experiment.model_names.len() > 1
    }
}

/// Removes `.` and `a/..` pairs without touching the file system, so messages show
/// `/repo/experiments`, not `/repo/example-plugins/news20/../../experiments`.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_folds_parent_and_current_components() {
        assert_eq!(normalize(Path::new("/repo/a/b/../../experiments/./x")), PathBuf::from("/repo/experiments/x"));
        assert_eq!(normalize(Path::new("../up")), PathBuf::from("../up"));
    }
}
