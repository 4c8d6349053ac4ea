//! [`MetricsFile`]: every metric point appended to the model's `metrics.jsonl` in its staging
//! folder, and the file stored in the run at every checkpoint (before the checkpoint's tensors, so
//! that a resume finds at least the points its state covers).

use super::hooks::Hooks;
use super::metric_log::MetricPoint;
use super::optim::AdamW;
use super::state::TrainState;
use crate::layout::{RunLayout, WorkFiles};
use crate::storage::Storage;
use crate::{Error, Result};
use mlpipe_plugin_api::Model;
use std::io::Write;

/// Keeps `model`'s `metrics.jsonl`.
pub struct MetricsFile<'a> {
    storage: &'a dyn Storage,
    run: &'a RunLayout,
    model: String,
    work: WorkFiles,
}

impl<'a> MetricsFile<'a> {
    /// The metrics file of `model` in `run`, staged in `work`.
    pub fn new(storage: &'a dyn Storage, run: &'a RunLayout, model: &str, work: WorkFiles) -> Self {
        Self { storage, run, model: model.to_string(), work }
    }

    /// Restores the stored `metrics.jsonl` for a resume from the checkpoint at `step`, keeping
    /// only the points logged up to that step: the file is stored before the checkpoint's tensors
    /// and state, so a run killed in between left points past the state it resumes from, which
    /// the resumed loop logs again. Nothing when no file was stored.
    ///
    /// # Errors
    /// Storage failures, or a line that is not a metric point.
    pub fn restore(&self, step: u64) -> Result<()> {
        let key = self.run.metrics(&self.model)?;
        if !self.storage.exists(&key)? {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.storage.get(&key)?).into_owned();
        let mut kept = String::with_capacity(text.len());
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let point: serde_json::Value =
                serde_json::from_str(line).map_err(|err| Error::data_file(self.storage.uri(&key), err))?;
            let at = point["step"]
                .as_u64()
                .ok_or_else(|| Error::data_file(self.storage.uri(&key), "a line without a step"))?;
            if at <= step {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        let path = self.work.metrics();
        std::fs::write(&path, kept).map_err(|source| Error::Io { path, source })
    }

    /// Stores `metrics.jsonl` as it stands.
    ///
    /// # Errors
    /// Storage failures.
    pub fn flush(&self) -> Result<()> {
        let path = self.work.metrics();
        if path.exists() {
            self.storage.put_file(&self.run.metrics(&self.model)?, &path)?;
        }
        Ok(())
    }
}

impl Hooks for MetricsFile<'_> {
    fn metric(&mut self, point: &MetricPoint) -> Result<()> {
        let path = self.work.metrics();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| Error::Io { path: path.clone(), source })?;
        writeln!(file, "{}", point.json()).map_err(|source| Error::Io { path, source })
    }

    fn checkpoint(&mut self, _model: &mut dyn Model, _optim: &AdamW, _state: &TrainState) -> Result<()> {
        self.flush()
    }
}
