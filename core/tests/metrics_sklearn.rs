//! Cross-checks `mlpipe_core::metrics` against scikit-learn itself: seeded random prediction sets
//! (several labels rare, absent from the truth, never predicted, or absent altogether) are written
//! as JSON, the project's Python (`.venv`, set up by `scripts/setup.sh` with scikit-learn) computes
//! `accuracy_score`, `f1_score`, `precision_recall_fscore_support`, `confusion_matrix` and
//! `multilabel_confusion_matrix` with `labels=range(n)`, and every number must agree with ours
//! within 1e-12 (counts exactly).

mod common;

use common::python;

use mlpipe_core::rng::SplitMix64;
use std::process::Command;

use mlpipe_core::metrics::{ConfusionMatrix, Metrics};
use serde_json::{json, Value};

/// Largest difference allowed between a score of ours and scikit-learn's.
const TOLERANCE: f64 = 1e-12;

/// Computes scikit-learn's view of each case in argv[1] and writes it to argv[2].
const SKLEARN_SCRIPT: &str = r#"
import json, sys, warnings
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score,
                             multilabel_confusion_matrix, precision_recall_fscore_support,
                             precision_score, recall_score)

results = []
for case in json.load(open(sys.argv[1]))["cases"]:
    y_true, y_pred, labels = case["y_true"], case["y_pred"], list(range(case["num_labels"]))
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    macro_f1 = f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)
    # The default zero_division="warn" yields the same numbers, with a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert f1_score(y_true, y_pred, average="macro", labels=labels) == macro_f1
    results.append({
        "name": case["name"],
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(macro_f1),
        "weighted_f1": float(f1_score(y_true, y_pred, average="weighted", labels=labels, zero_division=0)),
        "macro_precision": float(precision_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)),
        "macro_recall": float(recall_score(y_true, y_pred, average="macro", labels=labels, zero_division=0)),
        "precision": p.tolist(), "recall": r.tolist(), "f1": f.tolist(), "support": s.tolist(),
        "label_accuracy": [float((m[0][0] + m[1][1]) / len(y_true)) for m in mcm],
        "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
    })
json.dump({"results": results}, open(sys.argv[2], "w"))
"#;

/// Draws from the pipeline's own seeded generator, so the cases are reproducible.
trait Draw {
    fn unit(&mut self) -> f64;
    fn weighted(&mut self, weights: &[f64]) -> usize;
}

impl Draw for SplitMix64 {
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// An index drawn with probability proportional to `weights`.
    fn weighted(&mut self, weights: &[f64]) -> usize {
        let mut target = self.unit() * weights.iter().sum::<f64>();
        for (i, w) in weights.iter().enumerate() {
            if target < *w {
                return i;
            }
            target -= w;
        }
        weights.iter().rposition(|w| *w > 0.0).unwrap()
    }
}

/// One prediction set.
struct Case {
    name: &'static str,
    num_labels: usize,
    y_true: Vec<usize>,
    y_pred: Vec<usize>,
}

/// `samples` examples with true labels drawn from `truth` weights; each is predicted correctly with
/// probability `hit_rate` when its label may be predicted at all, otherwise as a label drawn from
/// the `guess` weights.
fn random_case(name: &'static str, seed: u64, samples: usize, truth: &[f64], guess: &[f64], hit_rate: f64) -> Case {
    let mut rng = SplitMix64::new(seed);
    let y_true: Vec<usize> = (0..samples).map(|_| rng.weighted(truth)).collect();
    let y_pred =
        y_true.iter().map(|&t| if guess[t] > 0.0 && rng.unit() < hit_rate { t } else { rng.weighted(guess) }).collect();
    Case { name, num_labels: truth.len(), y_true, y_pred }
}

fn cases() -> Vec<Case> {
    let even = [1.0; 7];
    vec![
        random_case("balanced", 1, 500, &even, &even, 0.6),
        // Label 6 never occurs but is sometimes predicted (precision 0, recall undefined → 0).
        random_case("skewed, label 6 unsupported", 2, 500, &[50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.0], &even, 0.5),
        // Label 5 is never predicted (precision undefined → 0).
        random_case(
            "label 5 never predicted",
            3,
            500,
            &[3.0, 1.0, 1.0, 1.0, 2.0, 1.0, 1.0],
            &[1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0],
            0.7,
        ),
        // Label 3 is neither true nor predicted (F1 undefined → 0, still in the macro average).
        random_case(
            "label 3 absent",
            4,
            500,
            &[1.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.1],
            &[1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0],
            0.4,
        ),
        random_case("accurate with rare labels", 5, 500, &[100.0, 40.0, 20.0, 5.0, 2.0, 1.0, 0.5], &even, 0.95),
        random_case("three examples", 6, 3, &even, &even, 0.5),
    ]
}

/// scikit-learn's results for `cases`, in order.
fn sklearn_results(cases: &[Case]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let (script, input, output) =
        (dir.path().join("check.py"), dir.path().join("in.json"), dir.path().join("out.json"));
    std::fs::write(&script, SKLEARN_SCRIPT).unwrap();
    let payload: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c.name, "num_labels": c.num_labels, "y_true": c.y_true, "y_pred": c.y_pred}))
        .collect();
    std::fs::write(&input, serde_json::to_vec(&json!({ "cases": payload })).unwrap()).unwrap();
    let run = Command::new(python()).arg(&script).arg(&input).arg(&output).output().unwrap();
    assert!(run.status.success(), "scikit-learn check failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let out: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    out["results"].as_array().unwrap().clone()
}

fn assert_close(case: &str, what: &str, ours: f64, theirs: &Value) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{case}: sklearn gave no number for {what}"));
    assert!((ours - theirs).abs() <= TOLERANCE, "{case}: {what}: ours {ours}, sklearn {theirs}");
}

fn assert_matches(case: &Case, ours: &Metrics, confusion: &ConfusionMatrix, theirs: &Value) {
    let name = case.name;
    assert_eq!(theirs["name"], name);
    for (what, value) in [
        ("accuracy", ours.accuracy),
        ("macro_f1", ours.macro_f1),
        ("weighted_f1", ours.weighted_f1),
        ("macro_precision", ours.macro_precision),
        ("macro_recall", ours.macro_recall),
    ] {
        assert_close(name, what, value, &theirs[what]);
    }
    assert_eq!(ours.per_label.len(), case.num_labels);
    for (label, l) in ours.per_label.iter().enumerate() {
        for (what, value) in
            [("precision", l.precision), ("recall", l.recall), ("f1", l.f1), ("label_accuracy", l.accuracy)]
        {
            assert_close(name, &format!("{what}[{label}]"), value, &theirs[what][label]);
        }
        assert_eq!(Some(l.support), theirs["support"][label].as_u64(), "{name}: support[{label}]");
    }
    let sklearn_counts: Vec<Vec<u64>> = serde_json::from_value(theirs["confusion"].clone()).unwrap();
    assert_eq!(confusion.counts(), sklearn_counts, "{name}: confusion matrix");
}

#[test]
fn metrics_equal_scikit_learn_on_random_prediction_sets() {
    let cases = cases();
    let results = sklearn_results(&cases);
    assert_eq!(results.len(), cases.len());
    for (case, theirs) in cases.iter().zip(&results) {
        let confusion = ConfusionMatrix::from_predictions(&case.y_true, &case.y_pred, case.num_labels).unwrap();
        assert_matches(case, &confusion.metrics(), &confusion, theirs);
    }
}

#[test]
fn the_random_cases_contain_the_edge_cases_they_are_named_for() {
    let cases = cases();
    let metrics = |i: usize| {
        let c = &cases[i];
        ConfusionMatrix::from_predictions(&c.y_true, &c.y_pred, c.num_labels).unwrap().metrics()
    };
    let unsupported = &metrics(1).per_label[6];
    assert!(unsupported.support == 0 && unsupported.false_positives > 0);
    let never_predicted = &metrics(2).per_label[5];
    assert!(never_predicted.true_positives + never_predicted.false_positives == 0 && never_predicted.support > 0);
    let absent = &metrics(3).per_label[3];
    assert!(absent.support == 0 && absent.false_positives == 0);
}
