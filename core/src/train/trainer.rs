//! The training loop (mechanism only): epochs of seeded batches, gradient accumulation, clipping,
//! AdamW with a linear schedule, validation, and events for everything else. What to do with a
//! metric, a new best model or a checkpoint is decided by the caller's [`Hooks`] (policy), the way
//! burn separates the learner from its checkpoint strategies.
//!
//! Data-parallel: every replica walks the same global batches (a pure function of seed and
//! epoch) and computes on its own shard of each; the gradients of the loss summed over the shard
//! and divided by the global batch's normaliser (its row count, or its labels' summed class
//! weights: see [`super::loss`]) are summed across replicas after the last micro-batch, so
//! every replica takes exactly the single-process step on the global batch. Batch losses are
//! summed every step (all replicas see the same loss, and a divergence stops all of them), train
//! predictions and token counts at checkpoints and epoch ends.

use super::autocast::{autocast, LossScaler};
use super::batching::{collate, epoch_batches, micro_batches};
pub use super::config::TrainConfig;
use super::dataset::Dataset;
use super::evaluate::{check_logits, evaluate, model_error, EvalSetup};
pub use super::hooks::{Decision, Hooks};
use super::loss::ClassLoss;
use super::metric_log::MetricPoint;
use super::optim::AdamW;
use super::schedule::LinearSchedule;
use super::state::{Best, EpochRecord, TrainState};
use crate::distributed::Replica;
use crate::metrics::{ConfusionMatrix, Evaluation};
use crate::settings::{MetricName, MetricSplit, MixedPrecision};
use crate::{Error, Result};
use mlpipe_plugin_api::tch::{self, Device};
use mlpipe_plugin_api::Model;
use std::time::Instant;

/// Trains `model` from `state` (default for a fresh run, a checkpoint's for a resume) and returns
/// the final state.
///
/// # Errors
/// Model failures, a non-finite loss ([`Error::Diverged`]), or a hook's error.
pub fn train(
    model: &mut dyn Model,
    train_data: &Dataset,
    validation: &Dataset,
    config: &TrainConfig,
    optim: &mut AdamW,
    mut state: TrainState,
    hooks: &mut dyn Hooks,
) -> Result<TrainState> {
    let total_steps = config.total_steps(train_data.len());
    let mut run = Loop {
        model,
        train_data,
        validation,
        config,
        optim,
        hooks,
        lengths: train_data.lengths(),
        total_steps,
        schedule: LinearSchedule::new(config.learning_rate, config.warmup_ratio, total_steps),
        log_every: (config.steps_per_epoch(train_data.len()) / 10).max(1),
        loss_fn: ClassLoss::new(config.class_weights.as_deref(), config.label_smoothing, config.device),
    };
    if config.precision == MixedPrecision::Fp16 && state.scaler.is_none() {
        state.scaler = Some(LossScaler::new());
    }
    run.hooks.begin(total_steps, config.epochs, config.batch_size as u64, &state);
    while state.epoch < config.epochs && state.step < total_steps && !state.stopped_early {
        run.epoch(&mut state)?;
    }
    Ok(state)
}

/// One call of [`train`]: what it was given and what it derived once.
struct Loop<'a> {
    model: &'a mut dyn Model,
    train_data: &'a Dataset,
    validation: &'a Dataset,
    config: &'a TrainConfig,
    optim: &'a mut AdamW,
    hooks: &'a mut dyn Hooks,
    /// The training rows' lengths (bucketing).
    lengths: Vec<usize>,
    total_steps: u64,
    schedule: LinearSchedule,
    /// Steps between training metric points.
    log_every: u64,
    loss_fn: ClassLoss,
}

/// One optimiser step's results, for the metric points.
struct Step {
    /// The global batch's loss sum (all replicas).
    loss: f64,
    /// The divisor that makes `loss` the batch's mean.
    normaliser: f64,
    lr: f64,
    grad_norm: f64,
}

impl Loop<'_> {
    /// Runs (the rest of) epoch `state.epoch`: its batches from `state.batch` on, then validation,
    /// the best model, the epoch's record and the epoch-end checkpoint.
    fn epoch(&mut self, state: &mut TrainState) -> Result<()> {
        let config = self.config;
        let epoch = state.epoch;
        let batches =
            epoch_batches(&self.lengths, config.batch_size, config.policy, &config.sampling, config.seed, epoch);
        // Running train metrics of this epoch live in the state, so a mid-epoch checkpoint
        // resumes them exactly; `tally` holds this replica's share since the last flush.
        if state.batch == 0 || state.epoch_confusion.is_empty() {
            state.epoch_loss_sum = 0.0;
            state.epoch_loss_rows = 0;
            state.epoch_confusion = ConfusionMatrix::new(config.num_labels).counts().to_vec();
        }
        let mut tally = Tally::new(config.num_labels);
        let mut started = Instant::now();
        for rows in batches.iter().skip(state.batch) {
            let step = self.step(rows, state, &mut tally)?;
            self.after_step(&step, epoch, state)?;
            if config.checkpoint_every_steps > 0
                && state.step.is_multiple_of(config.checkpoint_every_steps)
                && state.batch < batches.len()
            {
                state.train_seconds += started.elapsed().as_secs_f64();
                started = Instant::now();
                tally.flush_into(state, &config.replica)?;
                self.hooks.checkpoint(self.model, self.optim, state)?;
            }
            if state.step >= self.total_steps {
                break;
            }
        }
        state.train_seconds += started.elapsed().as_secs_f64();
        tally.flush_into(state, &config.replica)?;
        self.end_epoch(epoch, state)
    }

    /// Trains on one global batch (this replica's shard, in micro-batches) and takes the optimiser
    /// step; `tally` gains the shard's predictions and token counts.
    fn step(&mut self, rows: &[usize], state: &mut TrainState, tally: &mut Tally) -> Result<Step> {
        let config = self.config;
        self.model.set_train(true).map_err(|err| model_error(&config.model_name, err))?;
        // A replica whose shard of a short last batch is empty still runs one row, weighted 0,
        // so that every replica has the same gradients to sum.
        let shard = config.replica.shard(rows);
        let (shard, weight) = if shard.is_empty() { (rows[..1].to_vec(), 0.0) } else { (shard, 1.0) };
        // The whole batch's divisor (PyTorch's mean), so micro-batches and replicas add up to it.
        let normaliser = self.loss_fn.normaliser(rows.iter().map(|&row| self.train_data.labels[row]));
        let mut batch_loss = 0.0;
        for micro in micro_batches(&shard, config.max_device_batch_size) {
            batch_loss += self.micro_batch(&micro, (weight, normaliser), state, tally)?;
        }
        let mut global_loss = [batch_loss];
        config.replica.sum_f64(&mut global_loss)?;
        let batch_loss = global_loss[0];
        if !batch_loss.is_finite() {
            return Err(Error::Diverged {
                model: config.model_name.clone(),
                step: state.step + 1,
                value: batch_loss,
                checkpoint: self.hooks.last_checkpoint().unwrap_or_default(),
            });
        }
        let (lr, grad_norm) = self.optimiser_step(state)?;
        state.step += 1;
        state.batch += 1;
        state.samples += rows.len() as u64;
        // The batch's mean loss per row (exactly `batch_loss` when unweighted: n / n = 1).
        state.epoch_loss_sum += batch_loss * (rows.len() as f64 / normaliser);
        state.epoch_loss_rows += rows.len() as u64;
        Ok(Step { loss: batch_loss, normaliser, lr, grad_norm })
    }

    /// Forward and backward on one micro-batch, its loss weighted by `weight` (0 for a padding
    /// row) over the global batch's `normaliser`; returns the micro-batch's loss sum (0 when the
    /// weight is 0).
    fn micro_batch(
        &mut self,
        micro: &[usize],
        (weight, normaliser): (f64, f64),
        state: &TrainState,
        tally: &mut Tally,
    ) -> Result<f64> {
        let config = self.config;
        let name = &config.model_name;
        tch::manual_seed(crate::rng::dropout_seed(config.seed, state.step, micro[0]));
        let batch = collate(self.train_data, micro, config.device);
        let logits = autocast(config.precision, config.device, || self.model.forward(&batch.inputs))
            .map_err(|err| model_error(name, err))?;
        check_logits(&logits, micro.len(), config.num_labels, name)?;
        let loss = self.loss_fn.sum(&logits, &batch.labels);
        let value = loss.double_value(&[]);
        let scale = state.scaler.map_or(1.0, |scaler| scaler.scale);
        (loss * (scale * weight / normaliser)).backward();
        if weight == 0.0 {
            return Ok(0.0);
        }
        let predicted = Vec::<i64>::try_from(logits.argmax(-1, false).to_device(Device::Cpu))
            .map_err(|err| model_error(name, err))?;
        for (&row, &class) in micro.iter().zip(&predicted) {
            // As in evaluation: a class outside the labels is the model's fault, not ignored.
            tally
                .confusion
                .add(self.train_data.labels[row] as usize, class as usize)
                .map_err(|err| model_error(name, err))?;
        }
        tally.real_tokens += batch.real_tokens as u64;
        tally.padded_tokens += batch.padded_tokens as u64;
        Ok(value)
    }

    /// Sums the gradients across replicas, unscales and clips them, and steps the optimiser
    /// (skipped when float16 gradients overflowed); returns the learning rate and gradient norm.
    fn optimiser_step(&mut self, state: &mut TrainState) -> Result<(f64, f64)> {
        let config = self.config;
        config.replica.sum(&self.optim.grads())?;
        let finite = match state.scaler.as_mut() {
            Some(scaler) => {
                let finite = self.optim.unscale_grads(1.0 / scaler.scale);
                scaler.update(finite);
                finite
            }
            None => true,
        };
        let grad_norm = if finite { self.optim.clip_grad_norm(config.max_grad_norm) } else { f64::INFINITY };
        let lr = self.schedule.lr_at(state.step);
        if finite {
            self.optim.step(lr).map_err(|err| model_error(&config.model_name, err))?;
        } else {
            tracing::debug!("{}: float16 gradients overflowed, step skipped", config.model_name);
        }
        self.optim.zero_grad();
        Ok((lr, grad_norm))
    }

    /// Reports the step's training metrics when due, and validates when `eval_every_steps` says so.
    fn after_step(&mut self, step: &Step, epoch: u64, state: &mut TrainState) -> Result<()> {
        if state.step.is_multiple_of(self.log_every) {
            let point =
                |name: &str, value| MetricPoint { epoch: epoch + 1, step: state.step, name: name.into(), value };
            self.hooks.metric(&point("train:loss", step.loss / step.normaliser))?;
            self.hooks.metric(&point("train:learning_rate", step.lr))?;
            self.hooks.metric(&point("train:grad_norm", step.grad_norm))?;
        }
        let every = self.config.eval_every_steps;
        if every > 0 && state.step.is_multiple_of(every) {
            let evaluation = validate(self.model, self.validation, self.config, state, self.hooks, epoch + 1)?;
            consider(self.model, &evaluation, None, epoch + 1, self.config, state, self.hooks)?;
        }
        Ok(())
    }

    /// The end of epoch `epoch`: its training metrics, validation, its record, the best model,
    /// the hooks' say on stopping, and the checkpoint (`state` then points at the next epoch).
    fn end_epoch(&mut self, epoch: u64, state: &mut TrainState) -> Result<()> {
        let config = self.config;
        let train_confusion = ConfusionMatrix::from_counts(state.epoch_confusion.clone())
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        let train_eval = Evaluation::new(state.epoch_loss_sum, state.epoch_loss_rows.max(1), &train_confusion)
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        let point = |name: &str, value| MetricPoint { epoch: epoch + 1, step: state.step, name: name.into(), value };
        self.hooks.metric(&point("train:accuracy", train_eval.metrics.accuracy))?;
        self.hooks.metric(&point("train:macro_f1", train_eval.metrics.macro_f1))?;
        self.hooks.metric(&point("train:samples_per_second", state.samples as f64 / state.train_seconds.max(1e-9)))?;
        let evaluation = validate(self.model, self.validation, config, state, self.hooks, epoch + 1)?;
        state.history.push(EpochRecord {
            epoch: epoch + 1,
            step: state.step,
            train: train_eval.summary(),
            validation: evaluation.summary(),
            learning_rate: self.schedule.lr_at(state.step.saturating_sub(1)),
        });
        state.epoch += 1;
        state.batch = 0;
        consider(self.model, &evaluation, Some(&train_eval), epoch + 1, config, state, self.hooks)?;
        let more_to_come = state.epoch < config.epochs && state.step < self.total_steps;
        if more_to_come && !state.stopped_early && self.hooks.epoch_end(state) == Decision::Stop {
            state.stopped_early = true;
        }
        self.hooks.checkpoint(self.model, self.optim, state)
    }
}

fn validate(
    model: &mut dyn Model,
    validation: &Dataset,
    config: &TrainConfig,
    state: &mut TrainState,
    hooks: &mut dyn Hooks,
    epoch: u64,
) -> Result<Evaluation> {
    let setup = EvalSetup {
        num_labels: config.num_labels,
        batch_size: config.max_device_batch_size.max(1) * 2,
        device: config.device,
        precision: config.precision,
        model_name: &config.model_name,
    };
    let evaluation = evaluate(model, validation, setup, &config.replica)?.evaluation;
    for (name, value) in [
        ("validation:loss", evaluation.loss),
        ("validation:accuracy", evaluation.metrics.accuracy),
        ("validation:macro_f1", evaluation.metrics.macro_f1),
        ("validation:weighted_f1", evaluation.metrics.weighted_f1),
    ] {
        hooks.metric(&MetricPoint { epoch, step: state.step, name: name.into(), value })?;
    }
    Ok(evaluation)
}

/// Updates the best model from one evaluation and asks the hooks whether to stop early.
fn consider(
    model: &mut dyn Model,
    validation: &Evaluation,
    train: Option<&Evaluation>,
    epoch: u64,
    config: &TrainConfig,
    state: &mut TrainState,
    hooks: &mut dyn Hooks,
) -> Result<()> {
    let source = match config.objective.split {
        MetricSplit::Validation => validation,
        MetricSplit::Train => match train {
            Some(train) => train,
            None => return Ok(()),
        },
    };
    let value = match config.objective.metric {
        MetricName::Loss => source.loss,
        MetricName::Accuracy => source.metrics.accuracy,
        MetricName::MacroF1 => source.metrics.macro_f1,
        MetricName::WeightedF1 => source.metrics.weighted_f1,
    };
    let better = match state.best {
        None => true,
        Some(best) if config.objective.maximize() => value > best.value,
        Some(best) => value < best.value,
    };
    if better {
        state.best = Some(Best { value, epoch, step: state.step });
        state.evals_without_improvement = 0;
        hooks.best(model, state)?;
    } else {
        state.evals_without_improvement += 1;
    }
    if hooks.evaluated(state) == Decision::Stop {
        state.stopped_early = true;
    }
    Ok(())
}

/// One replica's training predictions and token counts since the last flush.
struct Tally {
    confusion: ConfusionMatrix,
    real_tokens: u64,
    padded_tokens: u64,
}

impl Tally {
    fn new(num_labels: usize) -> Self {
        Self { confusion: ConfusionMatrix::new(num_labels), real_tokens: 0, padded_tokens: 0 }
    }

    /// Adds every replica's tally into `state` (the same totals everywhere) and starts afresh.
    fn flush_into(&mut self, state: &mut TrainState, replica: &Replica) -> Result<()> {
        let counts = self.confusion.counts();
        let labels = counts.len();
        let mut values: Vec<f64> = counts.iter().flatten().map(|&count| count as f64).collect();
        values.extend([self.real_tokens as f64, self.padded_tokens as f64]);
        replica.sum_f64(&mut values)?;
        for (truth, row) in state.epoch_confusion.iter_mut().enumerate() {
            for (predicted, count) in row.iter_mut().enumerate() {
                *count += values[truth * labels + predicted] as u64;
            }
        }
        state.real_tokens += values[labels * labels] as u64;
        state.padded_tokens += values[labels * labels + 1] as u64;
        *self = Self::new(labels);
        Ok(())
    }
}
