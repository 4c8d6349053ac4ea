//! Classification metrics computed exactly as scikit-learn computes them: a [`ConfusionMatrix`]
//! collects (true, predicted) label pairs, [`Metrics`] derives accuracy, per-label precision, recall
//! and F1 and their macro and weighted averages from it, and [`Evaluation`] adds the mean loss of
//! an evaluation pass and is what a metrics log line serialises. [`Calibration`] bins confidences
//! into a reliability diagram and its expected calibration error. `core/tests/metrics_sklearn.rs`
//! checks every number against scikit-learn itself.

mod calibration;
mod confusion;
mod error;
mod evaluation;
mod label;
mod summary;

pub use calibration::{Calibration, CalibrationBin, DEFAULT_BINS};
pub use confusion::ConfusionMatrix;
pub use error::MetricsError;
pub use evaluation::{Evaluation, EvaluationSummary};
pub use label::LabelMetrics;
pub use summary::Metrics;
