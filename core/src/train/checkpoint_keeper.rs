//! [`CheckpointKeeper`]: the best model's weights and the checkpoints of one model's training.
//! The best weights are kept in the staging folder (and stored, when checkpoints are saved); at
//! every checkpoint event the weights, the optimiser state and the progress ([`CheckpointState`])
//! are stored under `runs/<n>/training/<model>/checkpoints/`, the state last, and checkpoints
//! beyond the `keep` most recent are deleted.

use super::hooks::Hooks;
use super::optim::AdamW;
use super::state::TrainState;
use crate::layout::{RunLayout, WorkFiles};
use crate::storage::Storage;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::Tensor;
use mlpipe_plugin_api::Model;

/// Keeps `model`'s best weights and checkpoints.
pub struct CheckpointKeeper<'a> {
    storage: &'a dyn Storage,
    run: &'a RunLayout,
    model: String,
    work: WorkFiles,
    /// Whether to write checkpoints (`[training] save_checkpoints`).
    save: bool,
    /// How many recent checkpoints to keep (`[training] keep_checkpoints`); the best model is kept
    /// apart.
    keep: usize,
}

impl<'a> CheckpointKeeper<'a> {
    /// The keeper of `model` in `run`, staging files in `work`: `save` as `[training]
    /// save_checkpoints`, the `keep` most recent checkpoints kept (at least 1).
    pub fn new(
        storage: &'a dyn Storage,
        run: &'a RunLayout,
        model: &str,
        work: WorkFiles,
        save: bool,
        keep: usize,
    ) -> Self {
        Self { storage, run, model: model.to_string(), work, save, keep: keep.max(1) }
    }

    fn model_error(&self, err: &dyn std::fmt::Display) -> Error {
        Error::ModelContract { model: self.model.clone(), problem: err.to_string() }
    }

    /// Deletes checkpoints older than the `keep` most recent (the best model is not among them).
    fn apply_retention(&self) -> Result<()> {
        let prefix = self.run.checkpoints_prefix(&self.model)?;
        let mut steps = Vec::new();
        for key in self.storage.list(&prefix)? {
            steps.extend(self.run.checkpoint_weights_step(&self.model, &key)?);
        }
        steps.sort_unstable();
        let excess = steps.len().saturating_sub(self.keep);
        for &step in &steps[..excess] {
            self.storage.delete(&self.run.checkpoint_weights(&self.model, step)?)?;
            self.storage.delete(&self.run.checkpoint_optimizer(&self.model, step)?)?;
        }
        Ok(())
    }
}

impl Hooks for CheckpointKeeper<'_> {
    fn best(&mut self, model: &mut dyn Model, state: &TrainState) -> Result<()> {
        let path = self.work.best_weights();
        model.save_weights(&path).map_err(|err| self.model_error(&err))?;
        if self.save {
            self.storage.put_file(&self.run.checkpoint_best(&self.model)?, &path)?;
        }
        if let Some(best) = state.best {
            tracing::info!("{}: new best {:.4} at epoch {} step {}", self.model, best.value, best.epoch, best.step);
        }
        Ok(())
    }

    fn checkpoint(&mut self, model: &mut dyn Model, optim: &AdamW, state: &TrainState) -> Result<()> {
        if !self.save {
            return Ok(());
        }
        let weights = self.work.last_weights();
        model.save_weights(&weights).map_err(|err| self.model_error(&err))?;
        let (tensors, steps) = optim.state();
        let optimizer = self.work.optimizer();
        Tensor::write_safetensors(&tensors, &optimizer).map_err(|err| self.model_error(&err))?;
        let progress = toml::to_string(&CheckpointState { optimizer_steps: steps, state: state.clone() })
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        self.storage.put_file(&self.run.checkpoint_weights(&self.model, state.step)?, &weights)?;
        self.storage.put_file(&self.run.checkpoint_optimizer(&self.model, state.step)?, &optimizer)?;
        // Written after the tensors it names: a state file always refers to complete files.
        self.storage.put(&self.run.checkpoint_state(&self.model)?, progress.as_bytes())?;
        self.apply_retention()
    }

    fn last_checkpoint(&self) -> Option<String> {
        Some(match self.run.checkpoint_state(&self.model) {
            Ok(key) if self.storage.exists(&key).unwrap_or(false) => {
                format!("the last good checkpoint is {}", self.storage.uri(&key))
            }
            _ if !self.save => "no checkpoint is kept (save_checkpoints = false)".to_string(),
            _ => "no checkpoint had been written yet (it diverged in the first epoch)".to_string(),
        })
    }
}

/// What `state.toml` holds; the tensors are the checkpoint's weights and optimiser state at
/// `state.step` ([`RunLayout::checkpoint_weights`], [`RunLayout::checkpoint_optimizer`]).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckpointState {
    /// The optimiser's step count (bias correction).
    pub optimizer_steps: u64,
    /// The loop's progress.
    pub state: TrainState,
}
