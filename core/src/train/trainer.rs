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
    let lengths = train_data.lengths();
    let total_steps = config.total_steps(train_data.len());
    let schedule = LinearSchedule::new(config.learning_rate, config.warmup_ratio, total_steps);
    let log_every = (config.steps_per_epoch(train_data.len()) / 10).max(1);
    let loss_fn = ClassLoss::new(config.class_weights.as_deref(), config.label_smoothing, config.device);
    if config.precision == MixedPrecision::Fp16 && state.scaler.is_none() {
        state.scaler = Some(LossScaler::new());
    }
    hooks.begin(total_steps, config.epochs, config.batch_size as u64, &state);
    while state.epoch < config.epochs && state.step < total_steps && !state.stopped_early {
        let epoch = state.epoch;
        let batches = epoch_batches(&lengths, config.batch_size, config.policy, &config.sampling, config.seed, epoch);
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
            model.set_train(true).map_err(|err| model_error(&config.model_name, err))?;
            // A replica whose shard of a short last batch is empty still runs one row, weighted 0,
            // so that every replica has the same gradients to sum.
            let shard = config.replica.shard(rows);
            let (shard, weight) = if shard.is_empty() { (rows[..1].to_vec(), 0.0) } else { (shard, 1.0) };
            // The whole batch's divisor (PyTorch's mean), so micro-batches and replicas add up to it.
            let normaliser = loss_fn.normaliser(rows.iter().map(|&row| train_data.labels[row]));
            let mut batch_loss = 0.0;
            for micro in micro_batches(&shard, config.max_device_batch_size) {
                tch::manual_seed(crate::rng::dropout_seed(config.seed, state.step, micro[0]));
                let batch = collate(train_data, &micro, config.device);
                let logits = autocast(config.precision, config.device, || model.forward(&batch.inputs))
                    .map_err(|err| model_error(&config.model_name, err))?;
                check_logits(&logits, micro.len(), config.num_labels, &config.model_name)?;
                let loss = loss_fn.sum(&logits, &batch.labels);
                let value = loss.double_value(&[]);
                let scale = state.scaler.map_or(1.0, |scaler| scaler.scale);
                (loss * (scale * weight / normaliser)).backward();
                if weight == 0.0 {
                    continue;
                }
                batch_loss += value;
                let predicted = Vec::<i64>::try_from(logits.argmax(-1, false).to_device(Device::Cpu))
                    .map_err(|err| model_error(&config.model_name, err))?;
                for (&row, &class) in micro.iter().zip(&predicted) {
                    // As in evaluation: a class outside the labels is the model's fault, not ignored.
                    tally
                        .confusion
                        .add(train_data.labels[row] as usize, class as usize)
                        .map_err(|err| model_error(&config.model_name, err))?;
                }
                tally.real_tokens += batch.real_tokens as u64;
                tally.padded_tokens += batch.padded_tokens as u64;
            }
            let mut global_loss = [batch_loss];
            config.replica.sum_f64(&mut global_loss)?;
            let batch_loss = global_loss[0];
            if !batch_loss.is_finite() {
                return Err(Error::Diverged {
                    model: config.model_name.clone(),
                    step: state.step + 1,
                    value: batch_loss,
                    checkpoint: hooks.last_checkpoint().unwrap_or_default(),
                });
            }
            config.replica.sum(&optim.grads())?;
            let finite = match state.scaler.as_mut() {
                Some(scaler) => {
                    let finite = optim.unscale_grads(1.0 / scaler.scale);
                    scaler.update(finite);
                    finite
                }
                None => true,
            };
            let grad_norm = if finite { optim.clip_grad_norm(config.max_grad_norm) } else { f64::INFINITY };
            let lr = schedule.lr_at(state.step);
            if finite {
                optim.step(lr).map_err(|err| model_error(&config.model_name, err))?;
            } else {
                tracing::debug!("{}: float16 gradients overflowed, step skipped", config.model_name);
            }
            optim.zero_grad();
            state.step += 1;
            state.batch += 1;
            state.samples += rows.len() as u64;
            // The batch's mean loss per row (exactly `batch_loss` when unweighted: n / n = 1).
            state.epoch_loss_sum += batch_loss * (rows.len() as f64 / normaliser);
            state.epoch_loss_rows += rows.len() as u64;
            if state.step.is_multiple_of(log_every) {
                let point =
                    |name: &str, value| MetricPoint { epoch: epoch + 1, step: state.step, name: name.into(), value };
                hooks.metric(&point("train:loss", batch_loss / normaliser))?;
                hooks.metric(&point("train:learning_rate", lr))?;
                hooks.metric(&point("train:grad_norm", grad_norm))?;
            }
            if config.eval_every_steps > 0 && state.step.is_multiple_of(config.eval_every_steps) {
                let evaluation = validate(model, validation, config, &mut state, hooks, epoch + 1)?;
                consider(model, &evaluation, None, epoch + 1, config, &mut state, hooks)?;
            }
            if config.checkpoint_every_steps > 0
                && state.step.is_multiple_of(config.checkpoint_every_steps)
                && state.batch < batches.len()
            {
                state.train_seconds += started.elapsed().as_secs_f64();
                started = Instant::now();
                tally.flush_into(&mut state, &config.replica)?;
                hooks.checkpoint(model, optim, &state)?;
            }
            if state.step >= total_steps {
                break;
            }
        }
        state.train_seconds += started.elapsed().as_secs_f64();
        tally.flush_into(&mut state, &config.replica)?;
        let train_confusion = ConfusionMatrix::from_counts(state.epoch_confusion.clone())
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        let train_eval = Evaluation::new(state.epoch_loss_sum, state.epoch_loss_rows.max(1), &train_confusion)
            .map_err(|err| Error::Internal { what: err.to_string() })?;
        let point = |name: &str, value| MetricPoint { epoch: epoch + 1, step: state.step, name: name.into(), value };
        hooks.metric(&point("train:accuracy", train_eval.metrics.accuracy))?;
        hooks.metric(&point("train:macro_f1", train_eval.metrics.macro_f1))?;
        hooks.metric(&point("train:samples_per_second", state.samples as f64 / state.train_seconds.max(1e-9)))?;
        let evaluation = validate(model, validation, config, &mut state, hooks, epoch + 1)?;
        state.history.push(EpochRecord {
            epoch: epoch + 1,
            step: state.step,
            train: train_eval.summary(),
            validation: evaluation.summary(),
            learning_rate: schedule.lr_at(state.step.saturating_sub(1)),
        });
        state.epoch += 1;
        state.batch = 0;
        consider(model, &evaluation, Some(&train_eval), epoch + 1, config, &mut state, hooks)?;
        let more_to_come = state.epoch < config.epochs && state.step < total_steps;
        if more_to_come && !state.stopped_early && hooks.epoch_end(&state) == Decision::Stop {
            state.stopped_early = true;
        }
        hooks.checkpoint(model, optim, &state)?;
    }
    Ok(state)
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
