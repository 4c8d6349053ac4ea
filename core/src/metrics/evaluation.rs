//! One evaluation pass (an epoch's validation, a test run): the mean cross-entropy loss together
//! with the [`Metrics`] of its predictions. It serialises to the flat record that a metrics log
//! line holds, `{"loss", "accuracy", "macro_f1", "weighted_f1"}`, which [`EvaluationSummary`] reads
//! back.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::confusion::ConfusionMatrix;
use super::error::MetricsError;
use super::summary::Metrics;

/// The mean loss and the metrics of one evaluation pass.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean loss per example (for classification, the mean cross-entropy).
    pub loss: f64,
    /// Accuracy, precision, recall and F1 of the predictions.
    pub metrics: Metrics,
}

impl Evaluation {
    /// The evaluation of a pass whose per-example losses add up to `loss_sum` over `loss_count`
    /// examples and whose predictions are counted in `confusion`.
    ///
    /// A non-finite loss (a diverged run) is kept as it is; it serialises as JSON `null`.
    ///
    /// # Errors
    /// [`MetricsError::NoLossExamples`] when `loss_count` is zero.
    pub fn new(loss_sum: f64, loss_count: u64, confusion: &ConfusionMatrix) -> Result<Self, MetricsError> {
        if loss_count == 0 {
            return Err(MetricsError::NoLossExamples);
        }
        Ok(Self { loss: loss_sum / loss_count as f64, metrics: confusion.metrics() })
    }

    /// The headline numbers that a metrics log line records.
    pub fn summary(&self) -> EvaluationSummary {
        EvaluationSummary {
            loss: self.loss,
            accuracy: self.metrics.accuracy,
            macro_f1: self.metrics.macro_f1,
            weighted_f1: self.metrics.weighted_f1,
        }
    }
}

/// Serialises as its [`summary`](Evaluation::summary); per-label scores are reported elsewhere.
impl Serialize for Evaluation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.summary().serialize(serializer)
    }
}

/// The headline numbers of an [`Evaluation`], as written to and read from a metrics log.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    /// Mean loss per example; NaN when it was not finite (written as `null`).
    #[serde(deserialize_with = "nan_from_null")]
    pub loss: f64,
    /// See [`Metrics::accuracy`].
    pub accuracy: f64,
    /// See [`Metrics::macro_f1`].
    pub macro_f1: f64,
    /// See [`Metrics::weighted_f1`].
    pub weighted_f1: f64,
}

/// Reads `null`, which serde_json writes for NaN and infinities, back as NaN.
fn nan_from_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_of_three_correct() -> ConfusionMatrix {
        ConfusionMatrix::from_predictions(&[0, 1, 1], &[0, 1, 0], 2).unwrap()
    }

    #[test]
    fn the_loss_is_the_mean_over_examples() {
        let evaluation = Evaluation::new(3.0, 4, &two_of_three_correct()).unwrap();
        assert_eq!(evaluation.loss, 0.75);
        assert_eq!(evaluation.metrics, two_of_three_correct().metrics());
    }

    #[test]
    fn a_loss_over_no_examples_is_refused() {
        let err = Evaluation::new(0.0, 0, &two_of_three_correct()).unwrap_err();
        assert_eq!(err.to_string(), "cannot compute the mean loss of zero examples");
    }

    #[test]
    fn serialises_to_the_four_headline_keys() {
        let evaluation = Evaluation::new(1.0, 2, &two_of_three_correct()).unwrap();
        let json: serde_json::Value = serde_json::to_value(&evaluation).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4);
        for key in ["loss", "accuracy", "macro_f1", "weighted_f1"] {
            assert!(keys.contains(&key), "missing {key} in {json}");
        }
        // Label 0: P 1/2, R 1, F1 2/3; label 1: P 1, R 1/2, F1 2/3. Accuracy 2/3.
        assert_eq!(json["loss"], 0.5);
        assert_eq!(json["accuracy"], 2.0 / 3.0);
        let back: EvaluationSummary = serde_json::from_value(json).unwrap();
        assert_eq!(back, evaluation.summary());
    }

    #[test]
    fn a_diverged_loss_round_trips_as_nan() {
        let evaluation = Evaluation::new(f64::INFINITY, 1, &two_of_three_correct()).unwrap();
        let json = serde_json::to_string(&evaluation).unwrap();
        assert!(json.contains("\"loss\":null"), "{json}");
        let back: EvaluationSummary = serde_json::from_str(&json).unwrap();
        assert!(back.loss.is_nan());
    }
}
