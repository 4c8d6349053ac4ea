//! The trainer's policy inside a run folder: metric points to the console (lines or a progress
//! bar) and `metrics.jsonl`, the best model's weights kept, and a checkpoint (weights, optimiser
//! state, progress) at every epoch end — written to a local work folder, then stored under
//! `runs/<n>/training/<model>/`.

use super::console::Console;
use super::metric_log::MetricPoint;
use super::optim::AdamW;
use super::state::TrainState;
use super::trainer::Hooks;
use crate::layout::RunLayout;
use crate::storage::Storage;
use crate::track::LiveTracker;
use crate::tune::control::TrialControl;
use crate::tune::store::last_per_epoch;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::Tensor;
use mlpipe_plugin_api::Model;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Hooks that persist a model's training into its run folder.
pub struct RunHooks<'a> {
    pub storage: &'a dyn Storage,
    pub run: &'a RunLayout,
    pub model_name: String,
    /// Local folder for files before they are stored.
    pub work: PathBuf,
    /// Whether to write checkpoints (`[training] save_checkpoints`).
    pub save_checkpoints: bool,
    /// How many recent checkpoints to keep (`[training] keep_checkpoints`); the best model is kept
    /// apart.
    pub keep: usize,
    pub metrics: Vec<MetricPoint>,
    /// A tuning trial's early-stopping control and the objective's metric name.
    pub trial_control: Option<(TrialControl, String)>,
    /// The experiment tracker, fed every metric point (rank 0 of a run with `[tracking]`).
    pub live: Option<LiveTracker>,
    /// Where metric points are shown: `[metric]` lines, or a progress bar on a terminal.
    pub console: Console,
}

impl<'a> RunHooks<'a> {
    /// Hooks for `model_name`, staging files in `work`.
    ///
    /// # Errors
    /// When `work` cannot be created.
    pub fn new(
        storage: &'a dyn Storage,
        run: &'a RunLayout,
        model_name: &str,
        work: PathBuf,
        save_checkpoints: bool,
        keep: usize,
    ) -> Result<Self> {
        std::fs::create_dir_all(&work).map_err(|source| Error::Io { path: work.clone(), source })?;
        Ok(Self {
            storage,
            run,
            model_name: model_name.to_string(),
            work,
            save_checkpoints,
            keep: keep.max(1),
            metrics: Vec::new(),
            trial_control: None,
            live: None,
            console: Console::detect(),
        })
    }

    /// Deletes checkpoints older than the `keep` most recent (the best model is not among them).
    fn apply_retention(&self) -> Result<()> {
        let prefix = self.run.checkpoints_prefix(&self.model_name)?;
        let mut steps: Vec<u64> = self
            .storage
            .list(&prefix)?
            .iter()
            .filter_map(|key| {
                key.strip_prefix(&prefix)?.strip_prefix("step-")?.strip_suffix(".safetensors")?.parse().ok()
            })
            .collect();
        steps.sort_unstable();
        let excess = steps.len().saturating_sub(self.keep);
        for step in &steps[..excess] {
            self.storage.delete(&self.run.checkpoint(&self.model_name, &format!("step-{step}"))?)?;
            self.storage.delete(&self.run.checkpoint(&self.model_name, &format!("optimizer-step-{step}"))?)?;
        }
        Ok(())
    }

    /// The local file of the best weights.
    pub fn best_weights(&self) -> PathBuf {
        self.work.join("best.safetensors")
    }

    fn put_file(&self, key: &str, path: &Path) -> Result<()> {
        Ok(self.storage.put_file(key, path)?)
    }

    fn metrics_file(&self) -> PathBuf {
        self.work.join("metrics.jsonl")
    }

    /// Restores the stored `metrics.jsonl` (`key`) for a resume from the checkpoint at `step`,
    /// keeping only the points logged up to that step: the file is stored before the checkpoint's
    /// tensors and state, so a run killed in between left points past the state it resumes from,
    /// which the resumed loop logs again.
    ///
    /// # Errors
    /// Storage failures, or a line that is not a metric point.
    pub fn restore_metrics(&self, key: &str, step: u64) -> Result<()> {
        let text = String::from_utf8_lossy(&self.storage.get(key)?).into_owned();
        let mut kept = String::with_capacity(text.len());
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let point: serde_json::Value =
                serde_json::from_str(line).map_err(|err| Error::data_file(self.storage.uri(key), err))?;
            let at = point["step"]
                .as_u64()
                .ok_or_else(|| Error::data_file(self.storage.uri(key), "a line without a step"))?;
            if at <= step {
                kept.push_str(line);
                kept.push('\n');
            }
        }
        let path = self.metrics_file();
        std::fs::write(&path, kept).map_err(|source| Error::Io { path, source })
    }

    /// Stores `metrics.jsonl` as it stands.
    ///
    /// # Errors
    /// Storage failures.
    pub fn flush_metrics(&self) -> Result<()> {
        if self.metrics_file().exists() {
            self.put_file(&self.run.metrics(&self.model_name)?, &self.metrics_file())?;
        }
        Ok(())
    }
}

impl Hooks for RunHooks<'_> {
    fn begin(&mut self, total_steps: u64, epochs: u64, samples_per_step: u64, state: &TrainState) {
        self.console.begin(&self.model_name, total_steps, epochs, samples_per_step, state.step);
    }

    fn metric(&mut self, point: MetricPoint) -> Result<()> {
        self.console.metric(&point);
        let path = self.metrics_file();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| Error::Io { path: path.clone(), source })?;
        writeln!(file, "{}", point.json()).map_err(|source| Error::Io { path, source })?;
        if let Some(live) = &mut self.live {
            live.metric(&point);
        }
        self.metrics.push(point);
        Ok(())
    }

    fn best(&mut self, model: &mut dyn Model, state: &TrainState) -> Result<()> {
        let path = self.best_weights();
        model
            .save_weights(&path)
            .map_err(|err| Error::ModelContract { model: self.model_name.clone(), problem: err.to_string() })?;
        if self.save_checkpoints {
            self.put_file(&self.run.checkpoint(&self.model_name, "best")?, &path)?;
        }
        if let Some(best) = state.best {
            tracing::info!(
                "{}: new best {:.4} at epoch {} step {}",
                self.model_name,
                best.value,
                best.epoch,
                best.step
            );
        }
        Ok(())
    }

    fn checkpoint(&mut self, model: &mut dyn Model, optim: &AdamW, state: &TrainState) -> Result<()> {
        self.flush_metrics()?;
        if !self.save_checkpoints {
            return Ok(());
        }
        let model_error = |err: &dyn std::fmt::Display| Error::ModelContract {
            model: self.model_name.clone(),
            problem: err.to_string(),
        };
        let weights = self.work.join("last.safetensors");
        model.save_weights(&weights).map_err(|err| model_error(&err))?;
        let (tensors, steps) = optim.state();
        let optimizer = self.work.join("optimizer.safetensors");
        Tensor::write_safetensors(&tensors, &optimizer).map_err(|err| model_error(&err))?;
        let progress = toml::to_string(&CheckpointState { optimizer_steps: steps, state: state.clone() })
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        let name = format!("step-{}", state.step);
        self.put_file(&self.run.checkpoint(&self.model_name, &name)?, &weights)?;
        self.put_file(&self.run.checkpoint(&self.model_name, &format!("optimizer-{name}"))?, &optimizer)?;
        // Written after the tensors it names: a state file always refers to complete files.
        self.storage.put(&self.run.checkpoint_state(&self.model_name)?, progress.as_bytes())?;
        self.apply_retention()
    }

    fn stop_requested(&mut self, _state: &TrainState) -> bool {
        let Some((control, objective)) = &self.trial_control else {
            return false;
        };
        // The objective's value at each epoch: its last evaluation in that epoch.
        let objective_points = self.metrics.iter().filter(|point| &point.name == objective);
        let per_epoch = last_per_epoch(objective_points.map(|point| (point.epoch, point.value)));
        !per_epoch.is_empty() && control.should_stop(&per_epoch)
    }

    fn last_checkpoint(&self) -> String {
        match self.run.checkpoint_state(&self.model_name) {
            Ok(key) if self.storage.exists(&key).unwrap_or(false) => {
                format!("the last good checkpoint is {}", self.storage.uri(&key))
            }
            _ if !self.save_checkpoints => "no checkpoint is kept (save_checkpoints = false)".to_string(),
            _ => "no checkpoint had been written yet (it diverged in the first epoch)".to_string(),
        }
    }
}

/// What `state.toml` holds; the tensors are `checkpoints/step-<state.step>.safetensors` and
/// `checkpoints/optimizer-step-<state.step>.safetensors`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CheckpointState {
    pub optimizer_steps: u64,
    pub state: TrainState,
}

impl CheckpointState {
    /// The name of the weights checkpoint this state refers to.
    pub fn weights_name(&self) -> String {
        format!("step-{}", self.state.step)
    }
}
