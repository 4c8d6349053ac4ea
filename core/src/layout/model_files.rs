//! The names of one model's training files: the checkpoint tensors inside a run's
//! `training/<model>/checkpoints/` (weights and optimiser moments per step, the best weights), the
//! files a pruned tuning trial keeps, a trial's log, and [`WorkFiles`], the local staging folder
//! where the trainer writes each file before it is stored.

use super::RunLayout;
use crate::storage::StorageError;
use std::path::{Path, PathBuf};

/// The files of a model's training folder that a pruned trial keeps (a few kB), relative to it.
const KEPT_AFTER_PRUNING: [&str; 2] = ["metrics.jsonl", "statistics.json"];

impl RunLayout {
    /// `training/<model>/checkpoints/step-<step>.safetensors`: the weights at optimiser step `step`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn checkpoint_weights(&self, model: &str, step: u64) -> Result<String, StorageError> {
        self.checkpoint(model, &format!("step-{step}"))
    }

    /// `training/<model>/checkpoints/optimizer-step-<step>.safetensors`: the optimiser's moments at
    /// optimiser step `step`.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn checkpoint_optimizer(&self, model: &str, step: u64) -> Result<String, StorageError> {
        self.checkpoint(model, &format!("optimizer-step-{step}"))
    }

    /// `training/<model>/checkpoints/best.safetensors`: the best weights so far.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn checkpoint_best(&self, model: &str) -> Result<String, StorageError> {
        self.checkpoint(model, "best")
    }

    /// The step of a key [`Self::checkpoint_weights`] names, `None` for any other key.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn checkpoint_weights_step(&self, model: &str, key: &str) -> Result<Option<u64>, StorageError> {
        let prefix = self.checkpoints_prefix(model)?;
        let step = key.strip_prefix(&prefix).and_then(|name| name.strip_prefix("step-")?.strip_suffix(".safetensors"));
        Ok(step.and_then(|step| step.parse().ok()))
    }

    /// Whether `key` of `model`'s training folder is kept when its trial is pruned (its
    /// `metrics.jsonl` and `statistics.json`).
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn kept_after_pruning(&self, model: &str, key: &str) -> Result<bool, StorageError> {
        let dir = self.training_dir(model)?;
        Ok(KEPT_AFTER_PRUNING.contains(&key.strip_prefix(&dir).unwrap_or(key)))
    }

    /// `<prefix>train.log`: a tuning trial's log, beside its settings.
    pub fn trial_log(&self) -> String {
        format!("{}train.log", self.prefix())
    }

    /// `runs/<n>/tuning/<model>/`: every trial of `model` in a tuning job.
    pub fn tuning_model_dir(&self, model: &str) -> String {
        format!("{}{model}/", self.tuning_dir())
    }

    /// The key in this run's `training/<model>/` of `key`, a file of `from`'s (a trial's) training
    /// folder of `model`: where promoting a trial copies it.
    ///
    /// # Errors
    /// [`StorageError::InvalidKey`] for an invalid model name.
    pub fn rebased_training_key(&self, model: &str, from: &RunLayout, key: &str) -> Result<String, StorageError> {
        let relative = key.strip_prefix(&from.training_dir(model)?).unwrap_or(key);
        Ok(format!("{}{relative}", self.training_dir(model)?))
    }

    /// `mlpipe-<step>-run<n>`: the name of the local scratch folder of `step` in this run.
    pub fn scratch_name(&self, step: &str) -> String {
        format!("mlpipe-{step}-run{}", self.num())
    }
}

/// The local staging folder of one model's training: every file is written here first, then
/// stored under the run's keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkFiles {
    dir: PathBuf,
}

impl WorkFiles {
    /// The staging folder `dir` (not created).
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder itself.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `best.safetensors`: the best weights so far.
    pub fn best_weights(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }

    /// `last.safetensors`: the weights of the checkpoint being written.
    pub fn last_weights(&self) -> PathBuf {
        self.dir.join("last.safetensors")
    }

    /// `optimizer.safetensors`: the optimiser moments of the checkpoint being written.
    pub fn optimizer(&self) -> PathBuf {
        self.dir.join("optimizer.safetensors")
    }

    /// `metrics.jsonl`: the metric points so far.
    pub fn metrics(&self) -> PathBuf {
        self.dir.join("metrics.jsonl")
    }

    /// `restore-<name>.safetensors`: checkpoint `name` fetched for a resume.
    pub fn restored(&self, name: &str) -> PathBuf {
        self.dir.join(format!("restore-{name}.safetensors"))
    }

    /// Where the file stored under `key` is staged: under the key's last segment (`model.pt`,
    /// `input_keys.json`, `statistics.json`, `<curve>.png`).
    pub fn staged(&self, key: &str) -> PathBuf {
        self.dir.join(key.rsplit('/').next().unwrap_or(key))
    }
}
