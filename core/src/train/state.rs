//! The trainer's progress, everything besides tensors that a checkpoint must hold for an exact
//! resume: where in the data order training stands, the best objective so far, early-stopping
//! patience, the epoch history and the throughput counters.

use super::autocast::LossScaler;
use crate::metrics::EvaluationSummary;
use serde::{Deserialize, Serialize};

/// Progress of one model's training.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// The epoch in progress (0-based) — or `epochs` when training finished.
    pub epoch: u64,
    /// Batches of `epoch` already done.
    pub batch: usize,
    /// Optimiser steps taken.
    pub step: u64,
    /// Best objective value so far and where it was reached.
    pub best: Option<Best>,
    /// Evaluations since the objective last improved.
    pub evals_without_improvement: u32,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
    /// One record per finished epoch.
    pub history: Vec<EpochRecord>,
    /// Training examples processed.
    pub samples: u64,
    /// Real tokens (first input's lengths) processed in training.
    pub real_tokens: u64,
    /// Padding tokens processed in training.
    pub padded_tokens: u64,
    /// Seconds spent in the training loop (excluding evaluation), summed across resumes.
    pub train_seconds: f64,
    /// Running sums of the epoch in progress, so a mid-epoch checkpoint resumes exactly.
    pub epoch_loss_sum: f64,
    /// Rows behind `epoch_loss_sum`.
    pub epoch_loss_rows: u64,
    /// Training predictions of the epoch in progress (rows true, columns predicted).
    pub epoch_confusion: Vec<Vec<u64>>,
    /// The float16 loss scaler, when training in float16.
    pub scaler: Option<LossScaler>,
}

/// The best objective value so far.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The objective value.
    pub value: f64,
    /// 1-based epoch where it was reached.
    pub epoch: u64,
    /// Optimiser step where it was reached.
    pub step: u64,
}

/// What one epoch achieved.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch number, as printed.
    pub epoch: u64,
    /// Optimiser steps taken by the end of the epoch.
    pub step: u64,
    /// Loss and metrics on the training rows (running, over the epoch).
    pub train: EvaluationSummary,
    /// Loss and metrics on the validation split at the end of the epoch.
    pub validation: EvaluationSummary,
    /// Learning rate of the epoch's last step.
    pub learning_rate: f64,
}
