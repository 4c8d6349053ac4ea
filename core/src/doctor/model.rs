//! Checks of one model, on padded batches of the prepared records: `load_model` builds it, forward
//! gives finite `[batch, num_labels]` logits, the longest record is accepted, evaluation mode is
//! deterministic and training mode switches dropout on, a few optimiser steps on one repeated
//! batch lower its loss, saved weights load back to the same outputs, and the TorchScript trace
//! matches the eager model on two shapes other than the traced one (as the export checks it).

use super::batch::Prepared;
use super::records::Opened;
use super::Lines;
use crate::layout::{MODEL_FILE, WEIGHTS_FILE};
use crate::train::export::export_torchscript;
use crate::train::optim::{AdamW, AdamWConfig};
use mlpipe_plugin_api::host::HostModel;
use mlpipe_plugin_api::tch::{self, Device, Kind, Reduction, Tensor};
use mlpipe_plugin_api::Model;

/// Rows of the batch most checks use.
const BATCH: usize = 8;
/// Optimiser steps of the training check.
const TRAIN_STEPS: usize = 5;

/// Runs the model checks of model `model`.
pub(super) fn check(
    opened: &Opened,
    model: &str,
    prepared: &Prepared,
    learning_rate: f64,
    prefix: &str,
    lines: &mut Lines<'_>,
) {
    let num_labels = opened.labels.len();
    let load = || opened.experiment.load_model(model, num_labels, Device::Cpu).map_err(|err| err.to_string());
    let mut host = match load() {
        Ok(host) => host,
        Err(reason) => {
            lines.check(format!("{prefix}: load_model builds the model"), Err(reason));
            return;
        }
    };
    let described = describe(&host);
    lines.check(format!("{prefix}: load_model builds the model"), described);
    let rows: Vec<usize> = (0..prepared.len().min(BATCH)).collect();
    let batch = prepared.inputs(&rows);
    let forward_ok = lines.check(
        format!("{prefix}: forward on a padded batch gives [batch, num_labels], finite"),
        logits_check(&mut host, &batch, num_labels),
    );
    if !forward_ok {
        return;
    }
    lines.check(
        format!("{prefix}: lengths within what the model accepts"),
        longest_check(&mut host, prepared, num_labels),
    );
    lines.check(format!("{prefix}: train/eval mode changes dropout output"), mode_check(&mut host, &batch));
    let labels = prepared.labels(&rows);
    lines.check(
        format!("{prefix}: a training step lowers the loss on a repeated tiny batch"),
        training_check(&mut host, &batch, &labels, learning_rate),
    );
    let scratch = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => {
            lines.check(format!("{prefix}: scratch folder"), Err(err.to_string()));
            return;
        }
    };
    let weights = scratch.path().join(WEIGHTS_FILE);
    lines.check(format!("{prefix}: save → load weights round-trips"), round_trip(&mut host, load, &batch, &weights));
    let traced = scratch.path().join(MODEL_FILE);
    lines.check(
        format!("{prefix}: TorchScript trace matches eager on two other shapes"),
        trace_check(&mut host, prepared, &traced),
    );
}

fn describe(host: &HostModel) -> Result<String, String> {
    let named = host.named_parameters().map_err(|err| format!("named_parameters: {err}"))?;
    let trainable: i64 =
        named.iter().filter(|(_, tensor)| tensor.requires_grad()).map(|(_, tensor)| tensor.numel() as i64).sum();
    if trainable == 0 {
        return Err(format!("no trainable parameter among {} tensors (none requires grad)", named.len()));
    }
    Ok(format!("{} tensors, {trainable} trainable values", named.len()))
}

/// Evaluation-mode logits of `inputs`, without gradients.
fn eval_logits(host: &mut HostModel, inputs: &[Tensor]) -> Result<Tensor, String> {
    host.set_train(false).map_err(|err| format!("set_train(false): {err}"))?;
    let shapes = Prepared::shapes(inputs);
    tch::no_grad(|| host.forward(inputs)).map_err(|err| format!("forward on inputs {shapes:?}: {err}"))
}

fn logits_check(host: &mut HostModel, inputs: &[Tensor], num_labels: usize) -> Result<String, String> {
    let logits = eval_logits(host, inputs)?;
    let shapes = Prepared::shapes(inputs);
    let expected = vec![inputs[0].size()[0], num_labels as i64];
    if logits.size() != expected {
        return Err(format!("logits of shape {:?} on inputs {shapes:?}, expected {expected:?}", logits.size()));
    }
    let finite = logits.f_isfinite().and_then(|flags| flags.f_all()).and_then(|all| bool::try_from(&all));
    match finite {
        Ok(true) => Ok(format!("{expected:?} on inputs {shapes:?}")),
        Ok(false) => Err(format!("logits on inputs {shapes:?} hold NaN or infinite values")),
        Err(err) => Err(format!("checking the logits: {err}")),
    }
}

fn longest_check(host: &mut HostModel, prepared: &Prepared, num_labels: usize) -> Result<String, String> {
    let (row, len) = prepared.longest();
    let id = &prepared.dataset.ids[row];
    logits_check(host, &prepared.inputs(&[row]), num_labels)
        .map(|_| format!("longest record {id:?} ({len} values) accepted"))
        .map_err(|reason| format!("longest record {id:?} ({len} values): {reason}"))
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f64 {
    if a.size() != b.size() {
        return f64::INFINITY;
    }
    (a.to_kind(Kind::Double) - b.to_kind(Kind::Double)).abs().max().double_value(&[])
}

fn mode_check(host: &mut HostModel, inputs: &[Tensor]) -> Result<String, String> {
    let first = eval_logits(host, inputs)?;
    let second = eval_logits(host, inputs)?;
    if max_abs_diff(&first, &second) > 0.0 {
        return Err("two forwards in evaluation mode differ: set_train(false) must switch dropout off".to_string());
    }
    host.set_train(true).map_err(|err| format!("set_train(true): {err}"))?;
    let trained = tch::no_grad(|| host.forward(inputs)).map_err(|err| format!("forward in training mode: {err}"))?;
    host.set_train(false).map_err(|err| format!("set_train(false): {err}"))?;
    if max_abs_diff(&first, &trained) > 0.0 {
        Ok("training mode differs from evaluation mode, which is deterministic".to_string())
    } else {
        // A model without dropout is fine; one that ignores set_train(true) trains without it.
        Ok("evaluation mode is deterministic; training mode gives the same output (no dropout?)".to_string())
    }
}

fn loss(host: &mut HostModel, inputs: &[Tensor], labels: &Tensor) -> Result<Tensor, String> {
    let logits = host.forward(inputs).map_err(|err| format!("forward: {err}"))?;
    logits
        .f_to_kind(Kind::Float)
        .and_then(|logits| logits.f_cross_entropy_loss::<Tensor>(labels, None, Reduction::Mean, -100, 0.0))
        .map_err(|err| format!("cross-entropy of the logits: {err}"))
}

fn eval_loss(host: &mut HostModel, inputs: &[Tensor], labels: &Tensor) -> Result<f64, String> {
    host.set_train(false).map_err(|err| format!("set_train(false): {err}"))?;
    tch::no_grad(|| loss(host, inputs, labels)).map(|loss| loss.double_value(&[]))
}

fn training_check(
    host: &mut HostModel,
    inputs: &[Tensor],
    labels: &Tensor,
    learning_rate: f64,
) -> Result<String, String> {
    let before = eval_loss(host, inputs, labels)?;
    let named = host.named_parameters().map_err(|err| format!("named_parameters: {err}"))?;
    let mut optimiser = AdamW::new(named, AdamWConfig::default());
    host.set_train(true).map_err(|err| format!("set_train(true): {err}"))?;
    for _ in 0..TRAIN_STEPS {
        optimiser.zero_grad();
        let loss = loss(host, inputs, labels)?;
        loss.f_backward().map_err(|err| format!("backward: {err}"))?;
        optimiser.step(learning_rate).map_err(|err| format!("optimiser step: {err}"))?;
    }
    let after = eval_loss(host, inputs, labels)?;
    if after < before {
        Ok(format!("loss {before:.4} → {after:.4} after {TRAIN_STEPS} AdamW steps at learning rate {learning_rate:e}"))
    } else {
        Err(format!(
            "loss {before:.4} → {after:.4} after {TRAIN_STEPS} AdamW steps at learning rate {learning_rate:e}: are the parameters in the forward's graph, with requires_grad set?"
        ))
    }
}

fn round_trip(
    host: &mut HostModel,
    load: impl Fn() -> Result<HostModel, String>,
    inputs: &[Tensor],
    path: &std::path::Path,
) -> Result<String, String> {
    host.save_weights(path).map_err(|err| format!("save_weights: {err}"))?;
    let expected = eval_logits(host, inputs)?;
    let mut fresh = load().map_err(|reason| format!("load_model again: {reason}"))?;
    fresh.load_weights(path).map_err(|err| format!("load_weights: {err}"))?;
    let loaded = eval_logits(&mut fresh, inputs)?;
    let diff = max_abs_diff(&expected, &loaded);
    if diff == 0.0 {
        return Ok("a fresh model with the saved weights gives the same logits".to_string());
    }
    Err(format!(
        "a fresh model with the saved weights differs by up to {diff:.3e}: save_weights or load_weights misses a tensor"
    ))
}

/// Three batches of different sizes (and, where the records allow, lengths): the traced one and
/// two others.
fn trace_samples(prepared: &Prepared) -> Vec<Vec<usize>> {
    let n = prepared.len();
    let mut by_length: Vec<usize> = (0..n).collect();
    by_length.sort_by_key(|&row| prepared.dataset.inputs[0].row_len(row));
    let shortest = by_length[0];
    let longest = by_length[n - 1];
    let traced: Vec<usize> = by_length[..n.min(4)].to_vec();
    vec![traced, vec![longest, shortest], vec![longest]]
}

fn trace_check(host: &mut HostModel, prepared: &Prepared, path: &std::path::Path) -> Result<String, String> {
    let samples: Vec<Vec<Tensor>> = trace_samples(prepared).iter().map(|rows| prepared.inputs(rows)).collect();
    let report = export_torchscript(host, &samples, path).map_err(|err| err.to_string())?;
    let shapes: Vec<String> = report.checks.iter().map(|check| format!("{:?}", check.shapes)).collect();
    Ok(format!("traced on {}, max |traced − eager| = {:.1e}", shapes.join(", then "), report.max_abs_diff))
}
