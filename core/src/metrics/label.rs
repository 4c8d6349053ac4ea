//! The one-vs-rest scores of a single label, computed with scikit-learn's formulas
//! (`precision_recall_fscore_support` with `average=None`). A ratio whose denominator is zero is 0.0,
//! which is what scikit-learn's default `zero_division="warn"` (and `zero_division=0`) yields.

use serde::{Deserialize, Serialize};

/// Precision, recall, F1 and one-vs-rest accuracy of one label, with the counts behind them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelMetrics {
    /// Examples whose true label is this one (a row sum of the confusion matrix).
    pub support: u64,
    /// Examples of this label predicted as this label.
    pub true_positives: u64,
    /// Examples of other labels predicted as this label.
    pub false_positives: u64,
    /// Examples of this label predicted as another label.
    pub false_negatives: u64,
    /// `TP / (TP + FP)`, 0.0 when the label is never predicted.
    pub precision: f64,
    /// `TP / (TP + FN)`, 0.0 when the label has no support.
    pub recall: f64,
    /// `2 TP / (2 TP + FP + FN)` (the harmonic mean of precision and recall), 0.0 when the label is
    /// neither true nor predicted for any example.
    pub f1: f64,
    /// One-vs-rest accuracy `(TP + TN) / N`: the share of all `N` examples on which "is this label"
    /// is decided correctly, TN counting examples neither of nor predicted as this label; 0.0 when
    /// `N` is 0. (scikit-learn has no such per-label score; it is derived from
    /// `multilabel_confusion_matrix`.)
    pub accuracy: f64,
}

impl LabelMetrics {
    /// The scores of a label from its one-vs-rest counts among `total` examples.
    ///
    /// # Panics
    /// When the counts exceed `total` (`true_positives + false_positives + false_negatives > total`).
    pub fn from_counts(true_positives: u64, false_positives: u64, false_negatives: u64, total: u64) -> Self {
        let true_negatives = total
            .checked_sub(true_positives + false_positives + false_negatives)
            .expect("one-vs-rest counts exceed the number of examples");
        let support = true_positives + false_negatives;
        let predicted = true_positives + false_positives;
        // The same operations in the same order as scikit-learn 1.9: the F-score is
        // `(1 + beta²) tp / (beta² true_sum + pred_sum)` with beta = 1, in f64.
        let f1 = divide(2.0 * true_positives as f64, support as f64 + predicted as f64);
        Self {
            support,
            true_positives,
            false_positives,
            false_negatives,
            precision: divide(true_positives as f64, predicted as f64),
            recall: divide(true_positives as f64, support as f64),
            f1,
            accuracy: divide((true_positives + true_negatives) as f64, total as f64),
        }
    }
}

/// `numerator / denominator`, or 0.0 when the denominator is zero (scikit-learn's `_prf_divide`
/// with its default zero-division value).
pub(super) fn divide(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        0.0
    } else {
        numerator / denominator
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_follow_the_textbook_definitions() {
        // TP 3, FP 1, FN 2 among 10: precision 3/4, recall 3/5, F1 2*3/(2*3+1+2) = 6/9, TN 4.
        let label = LabelMetrics::from_counts(3, 1, 2, 10);
        assert_eq!((label.support, label.precision, label.recall), (5, 0.75, 0.6));
        assert_eq!(label.f1, 6.0 / 9.0);
        assert_eq!(label.accuracy, (3.0 + 4.0) / 10.0);
    }

    #[test]
    fn a_label_never_predicted_has_zero_precision_and_f1() {
        // sklearn: precision_recall_fscore_support([1, 1, 0], [0, 0, 0], labels=[1], zero_division=0)
        // gives precision 0, recall 0, F1 0, support 2.
        let label = LabelMetrics::from_counts(0, 0, 2, 3);
        assert_eq!((label.precision, label.recall, label.f1, label.support), (0.0, 0.0, 0.0, 2));
        assert_eq!(label.accuracy, 1.0 / 3.0);
    }

    #[test]
    fn a_label_without_support_has_zero_recall_and_f1() {
        let label = LabelMetrics::from_counts(0, 2, 0, 4);
        assert_eq!((label.precision, label.recall, label.f1, label.support), (0.0, 0.0, 0.0, 0));
        assert_eq!(label.accuracy, 0.5);
    }

    #[test]
    fn a_label_absent_everywhere_scores_zero_but_is_always_rejected_correctly() {
        let label = LabelMetrics::from_counts(0, 0, 0, 5);
        assert_eq!((label.precision, label.recall, label.f1), (0.0, 0.0, 0.0));
        assert_eq!(label.accuracy, 1.0);
    }

    #[test]
    fn no_examples_give_zero_everywhere() {
        assert_eq!(LabelMetrics::from_counts(0, 0, 0, 0).accuracy, 0.0);
    }
}
