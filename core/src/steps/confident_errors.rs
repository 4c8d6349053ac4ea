//! The test records a model got wrong with the most confidence: what a person reads first to see
//! what a model misunderstands (or which labels in the data are wrong). `summary.json` keeps them
//! by record id; the report adds each record's text from the data snapshot.

use serde::{Deserialize, Serialize};

/// One wrong prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidentError {
    /// The record's id in `records.parquet`.
    pub id: String,
    /// True label name.
    pub label: String,
    /// Predicted label name.
    pub predicted: String,
    /// The model's probability of the predicted label.
    pub probability: f64,
}

/// The `count` wrong predictions with the highest probability, highest first (ties by record id).
/// `confidence[i]` is record `i`'s probability of `predicted[i]`.
pub fn most_confident_errors(
    ids: &[String],
    truth: &[usize],
    predicted: &[usize],
    confidence: &[f32],
    labels: &[String],
    count: usize,
) -> Vec<ConfidentError> {
    let mut wrong: Vec<usize> = (0..ids.len()).filter(|&i| truth[i] != predicted[i]).collect();
    wrong.sort_by(|&a, &b| confidence[b].total_cmp(&confidence[a]).then_with(|| ids[a].cmp(&ids[b])));
    wrong
        .into_iter()
        .take(count)
        .map(|i| ConfidentError {
            id: ids[i].clone(),
            label: labels[truth[i]].clone(),
            predicted: labels[predicted[i]].clone(),
            probability: f64::from(confidence[i]),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_wrong_predictions_most_confident_first_ties_by_id() {
        let ids: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        let labels = vec!["x".to_string(), "y".to_string()];
        let errors =
            most_confident_errors(&ids, &[0, 0, 1, 1, 0], &[1, 0, 0, 0, 1], &[0.6, 0.99, 0.8, 0.8, 0.7], &labels, 3);
        let picked: Vec<(&str, f64)> = errors.iter().map(|e| (e.id.as_str(), e.probability)).collect();
        assert_eq!(picked, [("c", 0.800000011920929), ("d", 0.800000011920929), ("e", 0.699999988079071)]);
        assert_eq!((errors[0].label.as_str(), errors[0].predicted.as_str()), ("y", "x"));
        assert!(most_confident_errors(&ids, &[0; 5], &[0; 5], &[0.5; 5], &labels, 3).is_empty());
    }
}
