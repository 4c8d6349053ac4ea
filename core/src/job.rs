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

impl Job {
    /// Opens the storage named by `[experiment] root`.
    ///
    /// # Errors
    /// A root whose backend is not available, or an invalid experiment name for the layout.
    pub fn open(settings: Settings) -> Result<Job> {
        let storage = match &settings.experiment.root {
            Root::Local(path) => storage::local(normalize(path)),
            Root::S3 { bucket, .. } => {
                return Err(Error::Unsupported {
                    what: format!(
                        "experiment.root = s3://{bucket}/…: the S3 storage backend is not part of this build yet"
                    ),
                })
            }
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
