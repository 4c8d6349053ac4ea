//! The report's opening: one row per model with the test scores, calibration and the cost of
//! training (minutes, samples/s, peak memory, model size), the best model marked; then the
//! comparison verdicts in plain words, one per pair of models.

use super::html::{escape, mib};
use crate::steps::compare::PairComparison;
use crate::steps::infer::ModelInference;
use crate::steps::train_outputs::ModelOutcome;
use std::fmt::Write;

/// The significance level of the verdicts.
const ALPHA: f64 = 0.05;

/// The index of the model with the best test macro-F1 (ties: the first), `None` without models.
pub fn best_model(results: &[ModelInference]) -> Option<usize> {
    (0..results.len()).reduce(|best, i| if results[i].macro_f1 > results[best].macro_f1 { i } else { best })
}

/// The headline table. `outcomes[i]` is the training record of `results[i]`, when there is one.
pub fn headline_table(html: &mut String, results: &[ModelInference], outcomes: &[Option<ModelOutcome>]) {
    let best = if results.len() > 1 { best_model(results) } else { None };
    html.push_str(
        "<table class=\"headline\"><tr><th>model</th><th>test accuracy</th><th>macro-F1</th><th>weighted-F1</th>\
         <th title=\"expected calibration error\">ECE</th><th>training minutes</th><th>samples/s</th>\
         <th>peak memory MiB</th><th>model MiB</th></tr>",
    );
    for (i, (result, outcome)) in results.iter().zip(outcomes).enumerate() {
        let mark =
            if Some(i) == best { " <span class=\"star\" title=\"best test macro-F1\">★ best</span>" } else { "" };
        let train = |f: fn(&ModelOutcome) -> String| outcome.as_ref().map_or("—".to_string(), f);
        let _ = write!(
            html,
            "<tr{}><td class=\"name\"><a href=\"#model-{i}\">{}</a>{mark}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if Some(i) == best { " class=\"best\"" } else { "" },
            escape(&result.model),
            result.accuracy,
            result.macro_f1,
            result.weighted_f1,
            result.expected_calibration_error,
            train(|o| format!("{:.1}", o.train_seconds / 60.0)),
            train(|o| format!("{:.0}", o.samples_per_second)),
            train(|o| format!("{:.0}", o.peak_rss_mib)),
            mib(result.model_bytes as f64),
        );
    }
    html.push_str("</table>");
    if best.is_some() {
        html.push_str(
            "<p class=\"sub\">★ marks the best test macro-F1. ECE: expected calibration error (lower is better).</p>",
        );
    }
}

/// One plain-language line per pair: McNemar's exact test on the records exactly one model gets
/// right, read at the 5 % level.
pub fn verdicts(html: &mut String, pairs: &[PairComparison]) {
    if pairs.is_empty() {
        return;
    }
    html.push_str("<h2>Verdicts</h2>");
    for pair in pairs {
        let _ = write!(html, "<p class=\"verdict\">{}</p>", escape(&verdict(pair)));
    }
}

/// The sentence for one pair.
pub fn verdict(pair: &PairComparison) -> String {
    let (a, b) = (&pair.model_a, &pair.model_b);
    let counts = format!(
        "{a} alone right on {}, {b} alone right on {} records; McNemar p = {:.4}",
        pair.a_right_b_wrong, pair.a_wrong_b_right, pair.mcnemar_p_value
    );
    if pair.mcnemar_p_value >= ALPHA {
        format!("{a} vs {b}: no significant difference at 5 % ({counts}).")
    } else if pair.a_right_b_wrong > pair.a_wrong_b_right {
        format!("{a} vs {b}: {a} is better, significant at 5 % ({counts}).")
    } else {
        format!("{a} vs {b}: {b} is better, significant at 5 % ({counts}).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a_only: u64, b_only: u64, p: f64) -> PairComparison {
        PairComparison {
            model_a: "a".into(),
            model_b: "b".into(),
            examples: 100,
            agreement: 0.9,
            both_right: 80,
            a_right_b_wrong: a_only,
            a_wrong_b_right: b_only,
            both_wrong: 20 - a_only - b_only,
            mcnemar_p_value: p,
            per_label_f1: Vec::new(),
            largest_differences: Vec::new(),
        }
    }

    #[test]
    fn verdicts_read_the_test_at_five_percent() {
        assert!(verdict(&pair(6, 4, 0.75)).starts_with("a vs b: no significant difference at 5 %"));
        assert!(verdict(&pair(12, 1, 0.003)).starts_with("a vs b: a is better"));
        assert!(verdict(&pair(1, 12, 0.003)).starts_with("a vs b: b is better"));
        assert!(verdict(&pair(9, 1, 0.0499)).contains("is better"));
        assert!(verdict(&pair(9, 1, 0.05)).contains("no significant difference"));
    }
}
