//! A job: validated settings plus the storage and experiment layout they point at. Every step
//! takes one, so where files live is decided once.

use crate::layout::ExperimentLayout;
use crate::settings::{Root, Settings};
use crate::storage::{self, Storage};
use crate::{Error, Result};
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
            Root::Local(path) => storage::local(path.clone()),
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
