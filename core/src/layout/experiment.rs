//! [`ExperimentLayout`]: the keys of one experiment's data snapshot, archive and runs folder.

use super::RunLayout;
use crate::storage::{validate_segment, StorageError};

/// `<exp>/data/manifest.toml` below the experiment folder: the data snapshot's manifest.
pub const DATA_MANIFEST: &str = "data/manifest.toml";

/// The keys of one experiment, `<experiment>/...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimentLayout {
    name: String,
}

impl ExperimentLayout {
    /// The layout of experiment `name`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `name` is not a single key segment.
    pub fn new(name: &str) -> Result<Self, StorageError> {
        validate_segment(name, "experiment name")?;
        Ok(Self { name: name.to_owned() })
    }

    /// The experiment name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `<exp>/`: everything of the experiment.
    pub fn prefix(&self) -> String {
        format!("{}/", self.name)
    }

    /// `<exp>/data/`: the current data snapshot (records, labels, prepared splits, manifest).
    pub fn data_prefix(&self) -> String {
        format!("{}/data/", self.name)
    }

    /// `<exp>/data/reconciled/records.parquet`: the reconciled records, immutable once written.
    pub fn records(&self) -> String {
        format!("{}/data/reconciled/records.parquet", self.name)
    }

    /// `<exp>/data/id2label.json`: the label names in id order.
    pub fn id2label(&self) -> String {
        format!("{}/data/id2label.json", self.name)
    }

    /// `<exp>/data/manifest.toml`: content hashes, row counts and plugin hash of the data.
    pub fn data_manifest(&self) -> String {
        format!("{}/{DATA_MANIFEST}", self.name)
    }

    /// `<exp>/data/prepared/`: all prepared splits.
    pub fn prepared_prefix(&self) -> String {
        format!("{}/data/prepared/", self.name)
    }

    /// `<exp>/data/prepared/<split>.parquet`: one prepared split (`train`, `validation`, `test`).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `split` is not a single key segment.
    pub fn prepared(&self, split: &str) -> Result<String, StorageError> {
        validate_segment(split, "split name")?;
        Ok(format!("{}{split}.parquet", self.prepared_prefix()))
    }

    /// `<exp>/archive/data-<stamp>/`: where a forced re-reconcile moves the previous data snapshot.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `data-<stamp>` is not a single key segment.
    pub fn data_archive_prefix(&self, stamp: &str) -> Result<String, StorageError> {
        self.archive_prefix(&format!("data-{stamp}"))
    }

    /// `<exp>/archive/<what>-<time>/`, `<time>` in UTC as `%Y%m%dT%H%M%SZ`: where a replaced
    /// snapshot `what` (`data`, `prepared`) is moved; attempt 2 and later (when the folder is
    /// taken) end in `-<attempt>`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when the folder name is not a single key segment.
    pub fn snapshot_archive_prefix(
        &self,
        what: &str,
        time: chrono::DateTime<chrono::Utc>,
        attempt: u32,
    ) -> Result<String, StorageError> {
        let stamp = time.format("%Y%m%dT%H%M%SZ");
        match attempt {
            0 | 1 => self.archive_prefix(&format!("{what}-{stamp}")),
            _ => self.archive_prefix(&format!("{what}-{stamp}-{attempt}")),
        }
    }

    /// `<exp>/data/prepared/manifest.toml`: what prepare produced, from what.
    pub fn prepared_manifest(&self) -> String {
        format!("{}manifest.toml", self.prepared_prefix())
    }

    /// `<exp>/archive/<folder>/`: where a replaced snapshot (`data-<stamp>`, `prepared-<stamp>`)
    /// is moved.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `folder` is not a single key segment.
    pub fn archive_prefix(&self, folder: &str) -> Result<String, StorageError> {
        validate_segment(folder, "archive folder")?;
        Ok(format!("{}/archive/{folder}/", self.name))
    }

    /// `<exp>/jobs/<job>/settings.ini`: the settings a SageMaker processing job `job` runs with.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] when `job` is not a single key segment.
    pub fn job_settings(&self, job: &str) -> Result<String, StorageError> {
        validate_segment(job, "job name")?;
        Ok(format!("{}/jobs/{job}/settings.ini", self.name))
    }

    /// `<exp>/runs/`: all runs.
    pub fn runs_prefix(&self) -> String {
        format!("{}/runs/", self.name)
    }

    /// The layout of run `num` (use [`allocate_run`] to get a new one).
    pub fn run(&self, num: u64) -> RunLayout {
        RunLayout { experiment: self.clone(), num, trial: None }
    }
}
