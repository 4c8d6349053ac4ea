//! [`ModelOutcome`]: the headline of one model's training, as its `statistics.json` stores it
//! (read back by the tuner, the report and `compare`).

use serde::{Deserialize, Serialize};

/// The headline of one model's training, as `statistics.json` stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelOutcome {
    /// The model's name.
    pub model: String,
    /// The objective metric, e.g. `validation:macro_f1`.
    pub objective: String,
    /// The best objective value.
    pub best_value: f64,
    /// The 1-based epoch of the best value.
    pub best_epoch: u64,
    /// The optimiser step of the best value.
    pub best_step: u64,
    /// Epochs trained (fewer than configured when stopped early).
    pub epochs_run: u64,
    /// Optimiser steps taken.
    pub steps: u64,
    /// Whether early stopping (or the tuner) ended training.
    pub stopped_early: bool,
    /// Training records per second of training time.
    pub samples_per_second: f64,
    /// Real tokens per second of training time.
    pub tokens_per_second: f64,
    /// Padding tokens / all tokens processed in training.
    pub padding_ratio: f64,
    /// Real tokens processed in training.
    pub real_tokens: u64,
    /// Padding tokens processed in training.
    pub padded_tokens: u64,
    /// Seconds in the training loop (without evaluation), over all resumes.
    pub train_seconds: f64,
    /// Wall-clock seconds of this invocation's training of the model.
    pub wall_seconds: f64,
    /// Peak resident memory of the process, MiB.
    pub peak_rss_mib: f64,
    /// Largest difference between the exported and the eager model's logits.
    pub export_max_abs_diff: f64,
    /// The labels, in index order.
    pub labels: Vec<String>,
    /// Per-label weights of the training loss (`[training] class_weighting`), in `labels` order;
    /// absent when the loss is unweighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weights: Option<Vec<f64>>,
    /// One record per epoch trained.
    pub history: Vec<crate::train::state::EpochRecord>,
    /// When this model's training started and ended (RFC 3339, milliseconds): the model's own
    /// span, which a comparison run's manifest times do not give (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// When the model's training ended (see `started`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
}
