//! The scores of a whole confusion matrix: accuracy, every label's [`LabelMetrics`], and their macro
//! and support-weighted averages, matching scikit-learn 1.9 called with `labels=range(num_labels)`:
//! the averages run over *all* declared labels, so a label with no support and no prediction still
//! counts (as 0.0) in a macro average instead of being dropped.

use serde::{Deserialize, Serialize};

use super::confusion::ConfusionMatrix;
use super::label::{divide, LabelMetrics};

/// Classification scores of one confusion matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// The number of examples counted.
    pub examples: u64,
    /// Share of examples predicted correctly (`accuracy_score`); 0.0 when there are none.
    pub accuracy: f64,
    /// Unweighted mean of the per-label precisions over all labels `0..n`
    /// (`precision_score(average="macro", labels=range(n))`).
    pub macro_precision: f64,
    /// Unweighted mean of the per-label recalls over all labels `0..n`.
    pub macro_recall: f64,
    /// Unweighted mean of the per-label F1 scores over all labels `0..n`, including labels with zero
    /// support (`f1_score(average="macro", labels=range(n))`).
    pub macro_f1: f64,
    /// Mean of the per-label F1 scores weighted by support (`f1_score(average="weighted")`); labels
    /// with zero support weigh nothing. 0.0 when there are no examples.
    pub weighted_f1: f64,
    /// Scores of each label, indexed by label id.
    pub per_label: Vec<LabelMetrics>,
}

impl Metrics {
    /// The scores of `confusion`. With zero labels or zero examples every score is 0.0.
    pub fn from_confusion(confusion: &ConfusionMatrix) -> Self {
        let counts = confusion.counts();
        let total = confusion.total();
        let per_label: Vec<LabelMetrics> = (0..confusion.num_labels())
            .map(|label| {
                let true_positives = counts[label][label];
                let support: u64 = counts[label].iter().sum();
                let predicted: u64 = counts.iter().map(|row| row[label]).sum();
                LabelMetrics::from_counts(true_positives, predicted - true_positives, support - true_positives, total)
            })
            .collect();
        Self {
            examples: total,
            accuracy: divide(confusion.correct() as f64, total as f64),
            macro_precision: mean(per_label.iter().map(|l| l.precision)),
            macro_recall: mean(per_label.iter().map(|l| l.recall)),
            macro_f1: mean(per_label.iter().map(|l| l.f1)),
            weighted_f1: weighted_mean(per_label.iter().map(|l| (l.f1, l.support as f64))),
            per_label,
        }
    }
}

/// The mean of `values`, 0.0 for none.
fn mean(values: impl ExactSizeIterator<Item = f64>) -> f64 {
    let n = values.len();
    divide(values.sum(), n as f64)
}

/// `Σ value·weight / Σ weight`, as `numpy.average(values, weights=weights)`; when every weight is
/// zero scikit-learn falls back to the plain mean, which we follow.
fn weighted_mean(pairs: impl ExactSizeIterator<Item = (f64, f64)> + Clone) -> f64 {
    let weight: f64 = pairs.clone().map(|(_, w)| w).sum();
    if weight == 0.0 {
        return mean(pairs.map(|(v, _)| v));
    }
    pairs.map(|(v, w)| v * w).sum::<f64>() / weight
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Four labels where label 2 is never predicted and label 3 never occurs (but is predicted once).
    /// Its confusion matrix is [[3,1,0,0],[0,1,0,1],[1,1,0,0],[0,0,0,0]].
    fn four_label_example() -> Metrics {
        let y_true = [0, 0, 0, 1, 1, 2, 2, 0];
        let y_pred = [0, 0, 1, 1, 3, 0, 1, 0];
        ConfusionMatrix::from_predictions(&y_true, &y_pred, 4).unwrap().metrics()
    }

    #[test]
    fn accuracy_is_the_share_of_correct_predictions() {
        // 4 of 8 on the diagonal; sklearn accuracy_score gives 0.5.
        assert_eq!(four_label_example().accuracy, 0.5);
    }

    #[test]
    fn per_label_scores_handle_never_predicted_and_unsupported_labels() {
        let m = four_label_example();
        // Label 0: TP 3, FP 1, FN 1. Label 1: TP 1, FP 2, FN 1. Label 2: TP 0, FP 0, FN 2.
        // Label 3: TP 0, FP 1, FN 0. sklearn precision_recall_fscore_support(labels=range(4),
        // zero_division=0): precision [0.75, 1/3, 0, 0], recall [0.75, 0.5, 0, 0],
        // F1 [0.75, 0.4, 0, 0], support [4, 2, 2, 0].
        let got: Vec<_> = m.per_label.iter().map(|l| (l.precision, l.recall, l.f1, l.support)).collect();
        assert_eq!(got, [(0.75, 0.75, 0.75, 4), (1.0 / 3.0, 0.5, 0.4, 2), (0.0, 0.0, 0.0, 2), (0.0, 0.0, 0.0, 0)]);
        // (TP + TN) / 8 with TN = 3, 4, 6, 7.
        let accuracy: Vec<f64> = m.per_label.iter().map(|l| l.accuracy).collect();
        assert_eq!(accuracy, [6.0 / 8.0, 5.0 / 8.0, 6.0 / 8.0, 7.0 / 8.0]);
    }

    #[test]
    fn macro_averages_include_labels_without_support() {
        let m = four_label_example();
        // Over all four labels, as sklearn with labels=range(4): F1 (0.75 + 0.4) / 4 = 0.2875,
        // precision (0.75 + 1/3) / 4 = 13/48, recall (0.75 + 0.5) / 4 = 0.3125.
        assert!((m.macro_f1 - 0.2875).abs() < 1e-15);
        assert!((m.macro_precision - 13.0 / 48.0).abs() < 1e-15);
        assert_eq!(m.macro_recall, 0.3125);
    }

    #[test]
    fn weighted_f1_weighs_labels_by_support() {
        // (4·0.75 + 2·0.4 + 2·0 + 0·0) / 8 = 0.475, sklearn f1_score(average="weighted").
        assert!((four_label_example().weighted_f1 - 0.475).abs() < 1e-15);
    }

    #[test]
    fn perfect_predictions_score_one_on_labels_that_occur() {
        let m = ConfusionMatrix::from_predictions(&[0, 1, 1], &[0, 1, 1], 3).unwrap().metrics();
        assert_eq!((m.accuracy, m.weighted_f1), (1.0, 1.0));
        // Label 2 never occurs and is never predicted: F1 0, so the macro F1 is 2/3 (sklearn agrees).
        assert!((m.macro_f1 - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn an_empty_matrix_scores_zero() {
        let m = ConfusionMatrix::new(3).metrics();
        assert_eq!((m.examples, m.accuracy, m.macro_f1, m.weighted_f1), (0, 0.0, 0.0, 0.0));
        let none = ConfusionMatrix::new(0).metrics();
        assert_eq!((none.accuracy, none.macro_f1, none.per_label.len()), (0.0, 0.0, 0));
    }
}
