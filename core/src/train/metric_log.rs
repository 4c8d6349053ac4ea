//! The trainer's metric lines: one fixed stdout format, `[metric] epoch=2 step=530
//! validation:macro_f1=0.812300`, which people read, `metrics.jsonl` stores and SageMaker scrapes.
//! The `MetricDefinitions` regexes are generated from the same format here, so they cannot drift.

use serde::Serialize;

/// The metric names the trainer emits, as `<split>:<metric>`.
pub const METRIC_NAMES: [&str; 10] = [
    "train:loss",
    "train:learning_rate",
    "train:grad_norm",
    "train:samples_per_second",
    "validation:loss",
    "validation:accuracy",
    "validation:macro_f1",
    "validation:weighted_f1",
    "train:accuracy",
    "train:macro_f1",
];

/// One metric value at a point of training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricPoint {
    /// 1-based epoch the point belongs to.
    pub epoch: u64,
    /// Optimiser steps taken when it was measured.
    pub step: u64,
    /// `<split>:<metric>`, one of [`METRIC_NAMES`].
    pub name: String,
    /// The value.
    pub value: f64,
}

impl MetricPoint {
    /// The stdout line: `[metric] epoch=<e> step=<s> <name>=<value>`.
    pub fn line(&self) -> String {
        format!("[metric] epoch={} step={} {}={:.6}", self.epoch, self.step, self.name, self.value)
    }

    /// The `metrics.jsonl` line.
    pub fn json(&self) -> String {
        serde_json::to_string(self).expect("metric points always serialise")
    }
}

/// A SageMaker metric definition (`Name`, `Regex`) for `name`, matching the lines of
/// [`MetricPoint::line`] and capturing the value.
pub fn sagemaker_regex(name: &str) -> String {
    let escaped: String = name
        .chars()
        .flat_map(|c| if c.is_ascii_alphanumeric() || c == '_' { vec![c] } else { vec!['\\', c] })
        .collect();
    format!(r"\[metric\] epoch=[0-9]+ step=[0-9]+ {escaped}=([-+0-9.eEinfa]+)")
}

/// Definitions for every name the trainer emits.
pub fn sagemaker_metric_definitions() -> Vec<(String, String)> {
    METRIC_NAMES.iter().map(|name| (name.to_string(), sagemaker_regex(name))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_documented_shape() {
        let point = MetricPoint { epoch: 2, step: 530, name: "validation:macro_f1".into(), value: 0.8123 };
        assert_eq!(point.line(), "[metric] epoch=2 step=530 validation:macro_f1=0.812300");
        let json: serde_json::Value = serde_json::from_str(&point.json()).unwrap();
        assert_eq!(json["step"], 530);
    }

    #[test]
    fn regexes_are_within_sagemaker_limits() {
        // SageMaker: at most 40 metric definitions, regexes of at most 500 characters.
        let definitions = sagemaker_metric_definitions();
        assert!(definitions.len() <= 40);
        assert!(definitions.iter().all(|(_, regex)| regex.len() <= 500));
    }
}
