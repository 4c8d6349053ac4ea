//! Imbalanced labels through the runner on the fixture plugin: the class weights `train` records
//! in `statistics.json` equal scikit-learn's `compute_class_weight("balanced")` on the prepared
//! training split (and its square root scaled to mean 1), the report shows them, and a label with
//! no training record is refused by name for weighting and for the balanced sampler. (Resume with
//! the balanced sampler is in `train`; the loss itself is checked against PyTorch in
//! `core/tests/loss_pytorch.rs`.)

use crate::util::{fixture_plugin, python_json, Experiment};

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\nclass_weighting = balanced\nsampler = balanced\nlabel_smoothing = 0.05\n";

fn statistics(exp: &Experiment, run: u64) -> serde_json::Value {
    let path = exp.exp_dir("fixture-exp").join(format!("runs/{run}/training/tiny/statistics.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn recorded_class_weights_equal_scikit_learns_on_the_training_split() {
    // 61 records over 3 labels: 21, 20, 20, so the training split's counts differ.
    let exp = Experiment::fixture("records = 61", TRAINING);
    exp.run(&fixture_plugin(), &["all"]).ok();
    exp.run(&fixture_plugin(), &["train", "--set", "training.class_weighting=sqrt"]).ok();
    let train = exp.exp_dir("fixture-exp").join("data/prepared/train.parquet");
    let expected = python_json(
        r#"
import json, sys
import numpy as np, pandas as pd
from sklearn.utils.class_weight import compute_class_weight
labels = pd.read_parquet(sys.argv[1])["label"].to_numpy()
balanced = compute_class_weight("balanced", classes=np.arange(3), y=labels)
roots = np.sqrt(balanced)
print(json.dumps({"balanced": balanced.tolist(), "sqrt": (roots / roots.mean()).tolist(), "counts": np.bincount(labels, minlength=3).tolist()}))
"#,
        &[&train],
    );
    let counts: Vec<u64> = serde_json::from_value(expected["counts"].clone()).unwrap();
    assert!(counts.iter().any(|&c| c != counts[0]), "the split must be skewed for this test: {counts:?}");
    for (run, name) in [(1, "balanced"), (2, "sqrt")] {
        let ours: Vec<f64> = serde_json::from_value(statistics(&exp, run)["class_weights"].clone()).unwrap();
        let theirs: Vec<f64> = serde_json::from_value(expected[name].clone()).unwrap();
        assert_eq!(ours.len(), 3);
        for (a, b) in ours.iter().zip(&theirs) {
            assert!((a - b).abs() <= 1e-12 * b, "{name}: ours {ours:?}, scikit-learn {theirs:?}");
        }
    }
    let report = std::fs::read_to_string(exp.exp_dir("fixture-exp").join("runs/1/inference/report.html")).unwrap();
    assert!(report.contains("<th>class weight</th>"), "the report lists no class weights");
    let first = statistics(&exp, 1)["class_weights"][0].as_f64().unwrap();
    assert!(report.contains(&format!("<td>{first:.3}</td>")), "the report lacks the weight {first:.3}");
    // Unweighted runs record no weights.
    exp.run(&fixture_plugin(), &["train", "--set", "training.class_weighting=none"]).ok();
    assert!(statistics(&exp, 3).get("class_weights").is_none());
}

#[test]
fn a_label_without_training_records_is_named() {
    // With the fixture's own splits every 4th record is a test record, and with four labels
    // those are exactly the `grey` ones: `grey` has no training record.
    let exp = Experiment::fixture("records = 40\nlabels = red,green,blue,grey\nsplits = all", TRAINING);
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let weighted = exp.run(&fixture_plugin(), &["train", "--set", "training.sampler=shuffle"]);
    assert_eq!(
        weighted.failure(1),
        "error: model tiny: training.class_weighting = balanced needs training records of every label, and label \"grey\" has none"
    );
    let sampled = exp.run(&fixture_plugin(), &["train", "--set", "training.class_weighting=none"]);
    assert_eq!(
        sampled.failure(1),
        "error: model tiny: training.sampler = balanced needs training records of every label, and label \"grey\" has none"
    );
    exp.run(
        &fixture_plugin(),
        &["train", "--set", "training.class_weighting=none", "--set", "training.sampler=shuffle"],
    )
    .ok();
}
