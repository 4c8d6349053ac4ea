//! Evaluation of a model on a whole split: eval mode, no gradients, length-sorted batches with
//! dynamic padding, per-example cross-entropy and a confusion matrix of the argmax predictions.
//! Replicas of a distributed run each evaluate a disjoint shard and gather the per-example
//! results, so every replica gets the metrics of exactly the split's N examples (no padded
//! duplicates), the same as a single process computes.

use super::autocast::autocast;
use super::batching::{collate, eval_batches};
use super::dataset::Dataset;
use crate::distributed::Replica;
use crate::metrics::{ConfusionMatrix, Evaluation};
use crate::settings::MixedPrecision;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::{self, Device, Kind, Reduction, Tensor};
use mlpipe_plugin_api::Model;

/// Predictions of one pass, in dataset row order.
pub struct Predictions {
    /// Loss and metrics of the pass.
    pub evaluation: Evaluation,
    /// Predicted class per row.
    pub predicted: Vec<usize>,
}

/// How to run the evaluation forward passes.
#[derive(Debug, Clone, Copy)]
pub struct EvalSetup<'a> {
    /// Classes of the task.
    pub num_labels: usize,
    /// Rows per forward pass.
    pub batch_size: usize,
    /// Where tensors live.
    pub device: Device,
    /// The training's autocast, as inference will run it.
    pub precision: MixedPrecision,
    /// The model (named in errors).
    pub model_name: &'a str,
}

/// Evaluates `model` on every row of `dataset`; with several replicas each evaluates its shard
/// of the length-sorted rows and the results are gathered. The loss is the mean of the
/// per-example losses, summed in row order, so it does not depend on the batching.
///
/// # Errors
/// A failing forward, logits of the wrong shape, labels out of range, or a failed gather.
pub fn evaluate(model: &mut dyn Model, dataset: &Dataset, setup: EvalSetup, replica: &Replica) -> Result<Predictions> {
    let n = dataset.len();
    let order: Vec<usize> = eval_batches(&dataset.lengths(), n.max(1)).concat();
    let mine = replica.shard(&order);
    let (predicted_mine, loss_mine) = predict_rows(model, dataset, &mine, setup)?;
    let mut predicted = vec![usize::MAX; n];
    let mut losses = vec![0.0f64; n];
    if replica.world_size() == 1 {
        for ((&row, &class), &loss) in mine.iter().zip(&predicted_mine).zip(&loss_mine) {
            predicted[row] = class as usize;
            losses[row] = loss;
        }
    } else {
        // Shards differ in length by at most one row: pad to the longest with row -1.
        let longest = n.div_ceil(replica.world_size());
        let mut ids = vec![-1i64; 2 * longest];
        let mut loss_padded = vec![0.0f64; longest];
        for (i, ((&row, &class), &loss)) in mine.iter().zip(&predicted_mine).zip(&loss_mine).enumerate() {
            ids[2 * i] = row as i64;
            ids[2 * i + 1] = class;
            loss_padded[i] = loss;
        }
        let all_ids = replica.all_gather(&Tensor::from_slice(&ids))?;
        let all_losses = replica.all_gather(&Tensor::from_slice(&loss_padded))?;
        for (ids, loss) in all_ids.iter().zip(&all_losses) {
            let ids = Vec::<i64>::try_from(ids).map_err(internal)?;
            let loss = Vec::<f64>::try_from(loss).map_err(internal)?;
            for (pair, &value) in ids.chunks(2).zip(&loss) {
                if pair[0] >= 0 {
                    predicted[pair[0] as usize] = pair[1] as usize;
                    losses[pair[0] as usize] = value;
                }
            }
        }
    }
    let mut confusion = ConfusionMatrix::new(setup.num_labels);
    for (row, &class) in predicted.iter().enumerate() {
        if class == usize::MAX {
            return Err(Error::Internal {
                what: format!("evaluation of {}: row {row} was not evaluated", setup.model_name),
            });
        }
        confusion.add(dataset.labels[row] as usize, class).map_err(internal)?;
    }
    let evaluation = Evaluation::new(losses.iter().sum(), n as u64, &confusion).map_err(internal)?;
    Ok(Predictions { evaluation, predicted })
}

/// Predicted class and loss of each of `rows`, in batches of `setup.batch_size`.
fn predict_rows(
    model: &mut dyn Model,
    dataset: &Dataset,
    rows: &[usize],
    setup: EvalSetup,
) -> Result<(Vec<i64>, Vec<f64>)> {
    let name = setup.model_name;
    model.set_train(false).map_err(|err| model_error(name, err))?;
    let mut predicted = Vec::with_capacity(rows.len());
    let mut losses = Vec::with_capacity(rows.len());
    tch::no_grad(|| -> Result<()> {
        for batch_rows in rows.chunks(setup.batch_size.max(1)) {
            let batch = collate(dataset, batch_rows, setup.device);
            let logits = autocast(setup.precision, setup.device, || model.forward(&batch.inputs))
                .map_err(|err| model_error(name, err))?;
            check_logits(&logits, batch_rows.len(), setup.num_labels, name)?;
            let logits = logits.to_kind(Kind::Float);
            let loss =
                logits.log_softmax(-1, Kind::Float).nll_loss_nd::<Tensor>(&batch.labels, None, Reduction::None, -100);
            let argmax = logits.argmax(-1, false).to_device(Device::Cpu);
            predicted.extend(Vec::<i64>::try_from(argmax).map_err(|err| model_error(name, err))?);
            losses.extend(
                Vec::<f64>::try_from(loss.to_kind(Kind::Double).to_device(Device::Cpu))
                    .map_err(|err| model_error(name, err))?,
            );
        }
        Ok(())
    })?;
    Ok((predicted, losses))
}

fn internal(err: impl std::fmt::Display) -> Error {
    Error::Internal { what: err.to_string() }
}

/// Fails unless `logits` is `[rows, num_labels]`.
///
/// # Errors
/// [`Error::ModelContract`] naming the model and both shapes.
pub fn check_logits(logits: &tch::Tensor, rows: usize, num_labels: usize, model_name: &str) -> Result<()> {
    let size = logits.size();
    if size != [rows as i64, num_labels as i64] {
        return Err(Error::ModelContract {
            model: model_name.to_string(),
            problem: format!(
                "forward returned shape {size:?}, expected [{rows}, {num_labels}] (batch, number of labels)"
            ),
        });
    }
    Ok(())
}

/// A model call that failed.
pub fn model_error(model_name: &str, err: impl std::fmt::Display) -> Error {
    Error::ModelContract { model: model_name.to_string(), problem: err.to_string() }
}
