//! The prepared records of one model as the trainer holds them (a [`Dataset`]), and padded
//! batches of chosen rows made by the trainer's own collation, so the model sees the same tensors
//! in the doctor as in training.

use crate::train::batching::collate;
use crate::train::dataset::{ColumnValues, Dataset, InputColumn};
use mlpipe_plugin_api::tch::{Device, Tensor};
use mlpipe_plugin_api::{Features, Values};

/// One model's prepared records, in reconcile order.
pub(super) struct Prepared {
    pub dataset: Dataset,
}

impl Prepared {
    /// Builds the dataset from each record's id, class id and features (which must hold every key
    /// of `keys` with one dtype per key: the features checks make sure of it).
    pub(super) fn new(keys: &[String], rows: Vec<(String, i64, Features)>) -> Self {
        let mut inputs: Vec<InputColumn> = keys
            .iter()
            .map(|key| {
                let values = match rows.first().and_then(|(_, _, features)| features.get(key)) {
                    Some(Values::Float(_)) => ColumnValues::Float(Vec::new()),
                    _ => ColumnValues::Int(Vec::new()),
                };
                InputColumn { name: key.clone(), offsets: vec![0], values }
            })
            .collect();
        let (mut ids, mut labels) = (Vec::new(), Vec::new());
        for (id, label, features) in rows {
            for column in &mut inputs {
                match (&mut column.values, features.get(&column.name)) {
                    (ColumnValues::Int(all), Some(Values::Int(values))) => all.extend_from_slice(values),
                    (ColumnValues::Float(all), Some(Values::Float(values))) => all.extend_from_slice(values),
                    _ => unreachable!("the features checks refuse missing inputs and mixed dtypes"),
                }
                let end = match &column.values {
                    ColumnValues::Int(all) => all.len(),
                    ColumnValues::Float(all) => all.len(),
                };
                column.offsets.push(end);
            }
            ids.push(id);
            labels.push(label);
        }
        Self { dataset: Dataset { ids, labels, inputs } }
    }

    /// Number of records.
    pub(super) fn len(&self) -> usize {
        self.dataset.ids.len()
    }

    /// The inputs of `rows`, padded to their longest, on the CPU.
    pub(super) fn inputs(&self, rows: &[usize]) -> Vec<Tensor> {
        collate(&self.dataset, rows, Device::Cpu).inputs
    }

    /// The class ids of `rows`.
    pub(super) fn labels(&self, rows: &[usize]) -> Tensor {
        collate(&self.dataset, rows, Device::Cpu).labels
    }

    /// The row with the most values in its first input (the longest record), and that count.
    pub(super) fn longest(&self) -> (usize, usize) {
        let first = &self.dataset.inputs[0];
        (0..self.len())
            .map(|row| (row, first.row_len(row)))
            .max_by_key(|&(row, len)| (len, usize::MAX - row))
            .unwrap_or((0, 0))
    }

    /// The shape of each tensor, for messages.
    pub(super) fn shapes(inputs: &[Tensor]) -> Vec<Vec<i64>> {
        inputs.iter().map(Tensor::size).collect()
    }
}
