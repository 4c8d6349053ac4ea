//! The training loss: cross-entropy with optional per-label weights and label smoothing, computed
//! by libtorch's own `cross_entropy_loss` and normalised exactly as PyTorch's
//! `CrossEntropyLoss(weight=…, label_smoothing=…)` with `reduction="mean"` normalises a batch: the
//! summed loss divided by the summed weights of the batch's labels. The normaliser is taken over the
//! whole optimiser batch, so gradient accumulation and data-parallel replicas still take the
//! single-process step. Also the class weights themselves, from the training split's label counts
//! (`[training] class_weighting`).

use crate::settings::ClassWeighting;
use tch::{Device, Kind, Reduction, Tensor};

/// The loss of one training run.
#[derive(Debug)]
pub struct ClassLoss {
    /// Per-label weights as float32 values widened to f64 (what the tensor holds), if any.
    weights: Option<Vec<f64>>,
    tensor: Option<Tensor>,
    smoothing: f64,
}

impl ClassLoss {
    /// A loss with `weights` (one per label; `None`: all 1) and `smoothing` (0: none), on `device`.
    pub fn new(weights: Option<&[f64]>, smoothing: f64, device: Device) -> Self {
        let single: Option<Vec<f32>> = weights.map(|w| w.iter().map(|&x| x as f32).collect());
        Self {
            weights: single.as_ref().map(|w| w.iter().map(|&x| f64::from(x)).collect()),
            tensor: single.map(|w| Tensor::from_slice(&w).to_device(device)),
            smoothing,
        }
    }

    /// The loss of every row of `logits` (`[B, C]`, computed in float32) against `labels` (`[B]`
    /// int64), summed over the rows: PyTorch's `reduction="sum"`.
    pub fn sum(&self, logits: &Tensor, labels: &Tensor) -> Tensor {
        logits.to_kind(Kind::Float).cross_entropy_loss::<&Tensor>(
            labels,
            self.tensor.as_ref(),
            Reduction::Sum,
            -100,
            self.smoothing,
        )
    }

    /// What a batch with these labels is divided by: the sum of its labels' weights (the row count
    /// when unweighted), as PyTorch's `reduction="mean"` does.
    pub fn normaliser(&self, labels: impl IntoIterator<Item = i64>) -> f64 {
        match &self.weights {
            None => labels.into_iter().count() as f64,
            Some(weights) => labels.into_iter().map(|label| weights[label as usize]).sum(),
        }
    }
}

/// A label of the training split with no record, which class weights cannot be computed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingLabel {
    /// Its id.
    pub label: usize,
}

/// Records per label id among `labels` (ids below `num_labels`).
pub fn label_counts(labels: &[i64], num_labels: usize) -> Vec<u64> {
    let mut counts = vec![0u64; num_labels];
    for &label in labels {
        counts[label as usize] += 1;
    }
    counts
}

/// The per-label weights `weighting` gives a training split with these `counts`, `None` for
/// [`ClassWeighting::None`]. `Balanced` is scikit-learn's `compute_class_weight("balanced")`:
/// `n / (k × count)`; `Sqrt` is its square root scaled so the weights' mean over the labels is 1.
///
/// # Errors
/// The first label with no record (scikit-learn refuses such a split too).
pub fn class_weights(weighting: ClassWeighting, counts: &[u64]) -> Result<Option<Vec<f64>>, MissingLabel> {
    if weighting == ClassWeighting::None {
        return Ok(None);
    }
    if let Some(label) = counts.iter().position(|&count| count == 0) {
        return Err(MissingLabel { label });
    }
    let n: u64 = counts.iter().sum();
    let k = counts.len() as f64;
    let balanced = counts.iter().map(|&count| n as f64 / (k * count as f64));
    Ok(Some(match weighting {
        ClassWeighting::Sqrt => {
            let roots: Vec<f64> = balanced.map(f64::sqrt).collect();
            let mean = roots.iter().sum::<f64>() / k;
            roots.into_iter().map(|root| root / mean).collect()
        }
        _ => balanced.collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balanced_weights_follow_the_formula_and_sqrt_has_mean_one() {
        // 6 records: 3 of label 0, 2 of label 1, 1 of label 2 → n/(k·count) = 2/3, 1, 2.
        let counts = label_counts(&[0, 0, 0, 1, 1, 2], 3);
        assert_eq!(counts, [3, 2, 1]);
        let balanced = class_weights(ClassWeighting::Balanced, &counts).unwrap().unwrap();
        assert_eq!(balanced, [6.0 / 9.0, 1.0, 2.0]);
        let sqrt = class_weights(ClassWeighting::Sqrt, &counts).unwrap().unwrap();
        assert!((sqrt.iter().sum::<f64>() / 3.0 - 1.0).abs() < 1e-15, "{sqrt:?}");
        assert!((sqrt[2] / sqrt[0] - (3.0f64).sqrt()).abs() < 1e-12, "{sqrt:?}");
        assert_eq!(class_weights(ClassWeighting::None, &counts), Ok(None));
    }

    #[test]
    fn a_label_without_records_is_named() {
        assert_eq!(class_weights(ClassWeighting::Sqrt, &[4, 0, 1]), Err(MissingLabel { label: 1 }));
        assert_eq!(class_weights(ClassWeighting::None, &[4, 0, 1]), Ok(None));
    }

    #[test]
    fn the_normaliser_is_the_row_count_or_the_summed_weights() {
        let plain = ClassLoss::new(None, 0.0, Device::Cpu);
        assert_eq!(plain.normaliser([2, 0, 2]), 3.0);
        let weighted = ClassLoss::new(Some(&[0.5, 1.0, 2.0]), 0.1, Device::Cpu);
        assert_eq!(weighted.normaliser([2, 0, 2]), 4.5);
    }

    #[test]
    fn unweighted_unsmoothed_loss_is_the_plain_summed_cross_entropy() {
        let logits = Tensor::from_slice(&[2.0f32, 0.0, -1.0, 0.5, 0.5, 0.5]).view([2, 3]);
        let labels = Tensor::from_slice(&[0i64, 2]);
        let ours = ClassLoss::new(None, 0.0, Device::Cpu).sum(&logits, &labels).double_value(&[]);
        let log_p = logits.log_softmax(-1, Kind::Double);
        let expected = -(log_p.double_value(&[0, 0]) + log_p.double_value(&[1, 2]));
        assert!((ours - expected).abs() < 1e-6, "{ours} vs {expected}");
    }
}
