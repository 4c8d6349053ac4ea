//! [`TrainConfig`]: everything the training loop needs to know, built from a model's effective
//! `[training]` settings by one function ([`TrainConfig::from_settings`]), so that the loop never
//! reads settings and no settings value is copied anywhere else.

use super::batching::Batching;
use super::sampler::Sampling;
use crate::distributed::Replica;
use crate::settings::{MixedPrecision, ObjectiveMetric, TrainingSettings};
use mlpipe_plugin_api::tch::Device;

/// Which rows each epoch visits and what each label weighs: what `[training] sampler` and
/// `class_weighting` resolve to on the training split.
#[derive(Debug, Clone)]
pub struct Balance {
    /// Which rows each epoch visits.
    pub sampling: Sampling,
    /// Per-label weights of the training loss (`None`: all 1).
    pub class_weights: Option<Vec<f64>>,
}

/// Everything the loop needs to know, resolved from the settings.
#[derive(Debug, Clone)]
pub struct TrainConfig {
    /// The model trained (named in errors and logs).
    pub model_name: String,
    /// Classes of the task.
    pub num_labels: usize,
    /// Passes over the training rows (`[training] epochs`).
    pub epochs: u64,
    /// Rows per optimiser step.
    pub batch_size: usize,
    /// Rows per forward pass (gradient accumulation below `batch_size`).
    pub max_device_batch_size: usize,
    /// Peak learning rate of the linear schedule.
    pub learning_rate: f64,
    /// Share of steps spent warming the learning rate up.
    pub warmup_ratio: f64,
    /// Gradient clipping norm (0: no clipping).
    pub max_grad_norm: f64,
    /// Optimiser steps at most; 0: no limit.
    pub max_steps: u64,
    /// Validate every this many steps too; 0: only at the end of each epoch.
    pub eval_every_steps: u64,
    /// Evaluations without improvement before stopping; 0: no early stopping.
    pub patience: u32,
    /// Checkpoint every this many steps too; 0: at epoch ends only.
    pub checkpoint_every_steps: u64,
    /// Autocast dtype of forward passes (training and validation).
    pub precision: MixedPrecision,
    /// The metric that picks the best model.
    pub objective: ObjectiveMetric,
    /// How rows are grouped into batches.
    pub policy: Batching,
    /// Which rows each epoch visits.
    pub sampling: Sampling,
    /// Per-label weights of the training loss (`None`: all 1).
    pub class_weights: Option<Vec<f64>>,
    /// Label smoothing of the training loss (0: none).
    pub label_smoothing: f64,
    /// The experiment's seed (batch order, dropout).
    pub seed: u64,
    /// Where tensors live.
    pub device: Device,
    /// This process's replica (a single process: the only one).
    pub replica: Replica,
}

impl TrainConfig {
    /// The loop's configuration for `model_name` from its effective `[training]` settings, with
    /// what the settings do not hold: the labels, the experiment's seed, the epoch sampling and
    /// class weights drawn from the training split ([`Balance`]), the device and the replica.
    pub fn from_settings(
        training: &TrainingSettings,
        model_name: &str,
        num_labels: usize,
        seed: u64,
        balance: Balance,
        device: Device,
        replica: &Replica,
    ) -> Self {
        Self {
            model_name: model_name.to_string(),
            num_labels,
            epochs: u64::from(training.epochs),
            batch_size: training.batch_size,
            max_device_batch_size: training.max_device_batch_size,
            learning_rate: training.learning_rate,
            warmup_ratio: training.warmup_ratio,
            max_grad_norm: training.max_grad_norm,
            max_steps: training.max_steps,
            eval_every_steps: training.eval_every_steps,
            patience: training.early_stopping_patience,
            checkpoint_every_steps: training.checkpoint_every_steps,
            precision: training.mixed_precision,
            objective: training.objective_metric,
            policy: training.batching,
            sampling: balance.sampling,
            class_weights: balance.class_weights,
            label_smoothing: training.label_smoothing,
            seed,
            device,
            replica: replica.clone(),
        }
    }

    /// Optimiser steps in one epoch of `rows` training rows.
    pub fn steps_per_epoch(&self, rows: usize) -> u64 {
        rows.div_ceil(self.batch_size) as u64
    }

    /// Optimiser steps of the whole run.
    pub fn total_steps(&self, rows: usize) -> u64 {
        let all = self.steps_per_epoch(rows) * self.epochs;
        if self.max_steps > 0 {
            all.min(self.max_steps)
        } else {
            all
        }
    }
}

impl TrainConfig {
    /// The objective as written in settings, e.g. `validation:macro_f1`.
    pub fn objective_name(&self) -> String {
        format!("{}:{}", self.objective.split.as_str(), self.objective.metric.as_str())
    }
}
