//! The objective metric, `<split>:<metric>` (e.g. `validation:macro_f1`): which logged number
//! decides the best checkpoint, early stopping and tuning, and whether higher is better.

use std::fmt;

use super::keyword::keyword_enum;
use super::values::Expect;

keyword_enum! {
    /// The data split a metric is measured on.
    pub enum MetricSplit {
        /// The training records.
        Train = "train",
        /// The held-out validation records.
        Validation = "validation",
    }
}

keyword_enum! {
    /// A metric the training loop logs.
    pub enum MetricName {
        /// Mean cross-entropy loss.
        Loss = "loss",
        /// Share of correct predictions.
        Accuracy = "accuracy",
        /// F1 averaged over classes with equal weight.
        MacroF1 = "macro_f1",
        /// F1 averaged over classes weighted by their support.
        WeightedF1 = "weighted_f1",
    }
}

/// A metric on a split, as in `validation:macro_f1` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectiveMetric {
    /// The split it is measured on.
    pub split: MetricSplit,
    /// The metric.
    pub metric: MetricName,
}

impl ObjectiveMetric {
    /// Whether higher values are better: true for every metric but loss.
    pub fn maximize(self) -> bool {
        self.metric != MetricName::Loss
    }

    pub(crate) fn parse(text: &str) -> Expect<Self> {
        let parsed = text.split_once(':').and_then(|(split, metric)| {
            Some(ObjectiveMetric {
                split: MetricSplit::parse_keyword(split).ok()?,
                metric: MetricName::parse_keyword(metric).ok()?,
            })
        });
        parsed.ok_or_else(|| {
            "<split>:<metric> with split train or validation and metric loss, accuracy, \
             macro_f1 or weighted_f1"
                .to_string()
        })
    }
}

impl Default for ObjectiveMetric {
    fn default() -> Self {
        ObjectiveMetric { split: MetricSplit::Validation, metric: MetricName::MacroF1 }
    }
}

impl fmt::Display for ObjectiveMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.split, self.metric)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_is_minimized_and_scores_maximized() {
        let loss = ObjectiveMetric::parse("train:loss").unwrap();
        assert!(!loss.maximize());
        assert!(ObjectiveMetric::parse("validation:accuracy").unwrap().maximize());
    }

    #[test]
    fn display_round_trips() {
        for split in MetricSplit::ALL {
            for metric in MetricName::ALL {
                let objective = ObjectiveMetric { split: *split, metric: *metric };
                assert_eq!(ObjectiveMetric::parse(&objective.to_string()), Ok(objective));
            }
        }
    }

    #[test]
    fn unknown_split_or_metric_is_rejected() {
        for bad in ["test:loss", "validation:f1", "macro_f1", "validation:"] {
            assert!(ObjectiveMetric::parse(bad).is_err(), "{bad}");
        }
    }
}
