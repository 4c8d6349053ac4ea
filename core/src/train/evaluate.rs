//! Evaluation of a model on a whole split: eval mode, no gradients, length-sorted batches with
//! dynamic padding, summed cross-entropy and a confusion matrix of the argmax predictions.

use super::autocast::autocast;
use super::batching::{collate, eval_batches};
use super::dataset::Dataset;
use crate::metrics::{ConfusionMatrix, Evaluation};
use crate::settings::MixedPrecision;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::{self, Device, Kind, Reduction};
use mlpipe_plugin_api::Model;

/// Predictions of one pass, in dataset row order.
pub struct Predictions {
    pub evaluation: Evaluation,
    /// Predicted class per row.
    pub predicted: Vec<usize>,
}

/// Evaluates `model` on every row of `dataset` in batches of `batch_size`, in the training's
/// `precision` (autocast), as inference will run it.
///
/// # Errors
/// A failing forward, logits of the wrong shape, or labels out of range.
pub fn evaluate(
    model: &mut dyn Model,
    dataset: &Dataset,
    num_labels: usize,
    batch_size: usize,
    device: Device,
    precision: MixedPrecision,
    model_name: &str,
) -> Result<Predictions> {
    model.set_train(false).map_err(|err| model_error(model_name, err))?;
    let mut confusion = ConfusionMatrix::new(num_labels);
    let mut loss_sum = 0.0;
    let mut predicted = vec![0usize; dataset.len()];
    tch::no_grad(|| -> Result<()> {
        for rows in eval_batches(&dataset.lengths(), batch_size) {
            let batch = collate(dataset, &rows, device);
            let logits = autocast(precision, device, || model.forward(&batch.inputs))
                .map_err(|err| model_error(model_name, err))?;
            check_logits(&logits, rows.len(), num_labels, model_name)?;
            let logits = logits.to_kind(Kind::Float);
            loss_sum += logits
                .log_softmax(-1, Kind::Float)
                .nll_loss_nd::<tch::Tensor>(&batch.labels, None, Reduction::Sum, -100)
                .double_value(&[]);
            let argmax = Vec::<i64>::try_from(logits.argmax(-1, false).to_device(Device::Cpu))
                .map_err(|err| model_error(model_name, err))?;
            for (&row, &class) in rows.iter().zip(&argmax) {
                let label = dataset.labels[row] as usize;
                confusion.add(label, class as usize).map_err(|err| Error::Internal { what: err.to_string() })?;
                predicted[row] = class as usize;
            }
        }
        Ok(())
    })?;
    let evaluation = Evaluation::new(loss_sum, dataset.len() as u64, &confusion)
        .map_err(|err| Error::Internal { what: err.to_string() })?;
    Ok(Predictions { evaluation, predicted })
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
