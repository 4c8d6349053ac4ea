//! The confusion matrix: how often each true label was predicted as each label. Rows are true labels
//! and columns predicted labels, both over `0..num_labels`, exactly like
//! `sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(num_labels))`. Matrices of
//! different batches, epochs or processes [`merge`](ConfusionMatrix::merge) by adding counts.

use super::error::MetricsError;
use super::summary::Metrics;

/// Counts of (true label, predicted label) pairs over a fixed label set `0..num_labels`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionMatrix {
    counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// An empty matrix over the labels `0..num_labels`.
    pub fn new(num_labels: usize) -> Self {
        Self { counts: vec![vec![0; num_labels]; num_labels] }
    }

    /// The matrix of paired true labels and predictions.
    ///
    /// # Errors
    /// [`MetricsError::LengthMismatch`] when the slices differ in length, and
    /// [`MetricsError::LabelOutOfRange`] for a label outside `0..num_labels`.
    pub fn from_predictions(
        true_labels: &[usize],
        predictions: &[usize],
        num_labels: usize,
    ) -> Result<Self, MetricsError> {
        if true_labels.len() != predictions.len() {
            return Err(MetricsError::LengthMismatch {
                true_labels: true_labels.len(),
                predictions: predictions.len(),
            });
        }
        let mut matrix = Self::new(num_labels);
        for (&true_label, &predicted) in true_labels.iter().zip(predictions) {
            matrix.add(true_label, predicted)?;
        }
        Ok(matrix)
    }

    /// A matrix with these counts (rows true, columns predicted), e.g. one saved in a checkpoint.
    ///
    /// # Errors
    /// [`MetricsError::LengthMismatch`] when the counts are not square.
    pub fn from_counts(counts: Vec<Vec<u64>>) -> Result<Self, MetricsError> {
        let n = counts.len();
        if let Some(row) = counts.iter().find(|row| row.len() != n) {
            return Err(MetricsError::LengthMismatch { true_labels: n, predictions: row.len() });
        }
        let mut matrix = Self::new(n);
        matrix.counts = counts;
        Ok(matrix)
    }

    /// Counts one example whose true label is `true_label` and that was predicted as `predicted`.
    ///
    /// # Errors
    /// [`MetricsError::LabelOutOfRange`] when either label is outside `0..num_labels`; the matrix is
    /// then unchanged.
    pub fn add(&mut self, true_label: usize, predicted: usize) -> Result<(), MetricsError> {
        let num_labels = self.num_labels();
        for (role, label) in [("true", true_label), ("predicted", predicted)] {
            if label >= num_labels {
                return Err(MetricsError::LabelOutOfRange { role, label, num_labels });
            }
        }
        self.counts[true_label][predicted] += 1;
        Ok(())
    }

    /// Adds the counts of `other`, e.g. another process's share of an evaluation.
    ///
    /// # Errors
    /// [`MetricsError::LabelCountMismatch`] when `other` has a different number of labels.
    pub fn merge(&mut self, other: &ConfusionMatrix) -> Result<(), MetricsError> {
        if other.num_labels() != self.num_labels() {
            return Err(MetricsError::LabelCountMismatch { this: self.num_labels(), other: other.num_labels() });
        }
        for (row, other_row) in self.counts.iter_mut().zip(&other.counts) {
            for (count, other_count) in row.iter_mut().zip(other_row) {
                *count += other_count;
            }
        }
        Ok(())
    }

    /// The counts: `counts()[t][p]` is the number of examples of true label `t` predicted as `p`.
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// The number of labels, i.e. rows and columns.
    pub fn num_labels(&self) -> usize {
        self.counts.len()
    }

    /// The number of examples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// The number of examples predicted correctly (the diagonal).
    pub fn correct(&self) -> u64 {
        self.counts.iter().enumerate().map(|(label, row)| row[label]).sum()
    }

    /// Accuracy, precision, recall and F1 of these counts (see [`Metrics`]).
    pub fn metrics(&self) -> Metrics {
        Metrics::from_confusion(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_true_labels_and_columns_predictions() {
        // sklearn.metrics.confusion_matrix([0, 0, 1, 2], [0, 1, 1, 0], labels=range(3))
        // == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
        let matrix = ConfusionMatrix::from_predictions(&[0, 0, 1, 2], &[0, 1, 1, 0], 3).unwrap();
        assert_eq!(matrix.counts(), [vec![1, 1, 0], vec![0, 1, 0], vec![1, 0, 0]]);
        assert_eq!((matrix.total(), matrix.correct()), (4, 2));
    }

    #[test]
    fn an_out_of_range_label_is_refused_and_leaves_the_matrix_unchanged() {
        let mut matrix = ConfusionMatrix::new(2);
        let err = matrix.add(0, 2).unwrap_err();
        assert_eq!(err, MetricsError::LabelOutOfRange { role: "predicted", label: 2, num_labels: 2 });
        assert_eq!(err.to_string(), "predicted label 2 is out of range for 2 labels");
        assert_eq!(
            matrix.add(5, 0).unwrap_err(),
            MetricsError::LabelOutOfRange { role: "true", label: 5, num_labels: 2 }
        );
        assert_eq!(matrix, ConfusionMatrix::new(2));
    }

    #[test]
    fn predictions_of_another_length_are_refused() {
        let err = ConfusionMatrix::from_predictions(&[0, 1], &[0], 2).unwrap_err();
        assert_eq!(err.to_string(), "2 true labels but 1 predictions");
    }

    #[test]
    fn merging_adds_counts_like_counting_both_batches_at_once() {
        let mut first = ConfusionMatrix::from_predictions(&[0, 1, 1], &[0, 0, 1], 2).unwrap();
        let second = ConfusionMatrix::from_predictions(&[1, 0], &[1, 1], 2).unwrap();
        first.merge(&second).unwrap();
        let both = ConfusionMatrix::from_predictions(&[0, 1, 1, 1, 0], &[0, 0, 1, 1, 1], 2).unwrap();
        assert_eq!(first, both);
    }

    #[test]
    fn merging_matrices_over_different_labels_is_refused() {
        let err = ConfusionMatrix::new(2).merge(&ConfusionMatrix::new(3)).unwrap_err();
        assert_eq!(err.to_string(), "cannot merge a confusion matrix over 3 labels into one over 2 labels");
    }
}
