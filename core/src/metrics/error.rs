//! The error type of [`metrics`](super): inputs that do not describe a classification over the
//! declared labels.

/// Why a confusion matrix or an evaluation could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    /// A true or predicted label id is not in `0..num_labels`.
    #[error("{role} label {label} is out of range for {num_labels} labels")]
    LabelOutOfRange {
        /// `true` or `predicted`.
        role: &'static str,
        /// The label id given.
        label: usize,
        /// How many labels there are.
        num_labels: usize,
    },
    /// The true labels and the predictions have different lengths.
    #[error("{true_labels} true labels but {predictions} predictions")]
    LengthMismatch {
        /// How many true labels were given.
        true_labels: usize,
        /// How many predictions were given.
        predictions: usize,
    },
    /// Two confusion matrices over different label sets cannot be merged.
    #[error("cannot merge a confusion matrix over {other} labels into one over {this} labels")]
    LabelCountMismatch {
        /// Labels of the matrix merged into.
        this: usize,
        /// Labels of the matrix merged.
        other: usize,
    },
    /// A mean loss was asked for with no examples behind it.
    #[error("cannot compute the mean loss of zero examples")]
    NoLossExamples,
}
