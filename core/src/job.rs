//! A job: validated settings plus the storage and experiment layout they point at. Every step
//! takes one, so where files live is decided once.

use crate::layout::ExperimentLayout;
use crate::settings::{Root, Settings};
use crate::storage::{self, Storage};
use crate::{Error, Result};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// The settings of a run and the experiment's storage.
pub struct Job {
    pub settings: Settings,
    pub storage: Arc<dyn Storage>,
    pub layout: ExperimentLayout,
}

/// Opens a storage root that is not a local folder (`s3://…`); the runner passes the one from
/// mlpipe-aws, so that mlpipe-core does not depend on the AWS SDK.
pub type RemoteStorage<'a> = &'a dyn Fn(&Root) -> Result<Arc<dyn Storage>>;

impl Job {
    /// Opens the storage named by `[experiment] root`; only local roots (see [`Job::open_with`]).
    ///
    /// # Errors
    /// An S3 root, or an invalid experiment name for the layout.
    pub fn open(settings: Settings) -> Result<Job> {
        Self::open_with(settings, &|root| {
            Err(Error::Unsupported { what: format!("experiment.root = {root}: no S3 storage backend in this program") })
        })
    }

    /// Opens the storage named by `[experiment] root`, remote roots through `remote`.
    ///
    /// # Errors
    /// A root `remote` cannot open, or an invalid experiment name for the layout.
    pub fn open_with(settings: Settings, remote: RemoteStorage) -> Result<Job> {
        let storage = match &settings.experiment.root {
            Root::Local(path) => storage::local(normalize(path)),
            root @ Root::S3 { .. } => remote(root)?,
        };
        let layout = ExperimentLayout::new(&settings.experiment.name).map_err(Error::Storage)?;
        Ok(Job { settings, storage, layout })
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
