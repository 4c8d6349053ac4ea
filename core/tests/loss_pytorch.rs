//! Cross-checks the training loss (`mlpipe_core::train::loss`) against PyTorch and scikit-learn in
//! the project's Python (`.venv`): class weights from a skewed label vector equal scikit-learn's
//! `compute_class_weight("balanced")` (and its square root scaled to mean 1), and for every
//! weighting × label smoothing the batch loss and its gradient with respect to the logits equal
//! `torch.nn.CrossEntropyLoss(weight=…, label_smoothing=…)` (mean reduction) on the same logits, also
//! when the batch is split into micro-batches as gradient accumulation does.

mod common;

use common::python;
use mlpipe_core::settings::ClassWeighting;
use mlpipe_core::train::loss::{class_weights, label_counts, ClassLoss};
use mlpipe_plugin_api::tch::{Device, Kind, Tensor};
use serde_json::{json, Value};
use std::process::Command;

const LABELS: usize = 5;
const ROWS: usize = 12;
/// Micro-batch sizes of the accumulated batch.
const MICRO: [i64; 3] = [5, 5, 2];

const SCRIPT: &str = r#"
import json, sys
import numpy as np
import torch
from sklearn.utils.class_weight import compute_class_weight

spec = json.load(open(sys.argv[1]))
k = spec["num_labels"]
balanced = compute_class_weight("balanced", classes=np.arange(k), y=np.array(spec["train_labels"]))
roots = np.sqrt(balanced)
out = {"balanced": balanced.tolist(), "sqrt": (roots / roots.mean()).tolist(), "cases": []}
logits = torch.tensor(spec["logits"], dtype=torch.float32).view(spec["rows"], k)
labels = torch.tensor(spec["labels"], dtype=torch.int64)
for case in spec["cases"]:
    weight = None if case["weights"] is None else torch.tensor(case["weights"], dtype=torch.float32)
    x = logits.clone().requires_grad_(True)
    loss = torch.nn.CrossEntropyLoss(weight=weight, label_smoothing=case["smoothing"])(x, labels)
    loss.backward()
    out["cases"].append({"loss": loss.item(), "grad": x.grad.flatten().tolist()})
json.dump(out, open(sys.argv[2], "w"))
"#;

/// Training labels with counts 20, 10, 6, 3, 1.
fn train_labels() -> Vec<i64> {
    [20, 10, 6, 3, 1].iter().enumerate().flat_map(|(label, &n)| std::iter::repeat_n(label as i64, n)).collect()
}

/// Logits in roughly [-3, 3], exactly representable as f32.
fn logits() -> Vec<f32> {
    (0..ROWS * LABELS).map(|i| ((i * 37 % 23) as f32 - 11.0) / 4.0).collect()
}

fn batch_labels() -> Vec<i64> {
    vec![0, 4, 1, 1, 2, 0, 3, 4, 0, 2, 1, 0]
}

/// Our mean loss and logits gradient, the batch accumulated over [`MICRO`] micro-batches.
fn ours(weights: Option<&[f64]>, smoothing: f64) -> (f64, Vec<f64>) {
    let loss_fn = ClassLoss::new(weights, smoothing, Device::Cpu);
    let labels = batch_labels();
    let normaliser = loss_fn.normaliser(labels.iter().copied());
    let x = Tensor::from_slice(&logits()).view([ROWS as i64, LABELS as i64]).set_requires_grad(true);
    let targets = Tensor::from_slice(&labels);
    let (mut start, mut total) = (0, 0.0);
    for len in MICRO {
        let sum = loss_fn.sum(&x.narrow(0, start, len), &targets.narrow(0, start, len));
        total += sum.double_value(&[]);
        (sum / normaliser).backward();
        start += len;
    }
    let grad = Vec::<f64>::try_from(x.grad().to_kind(Kind::Double).flatten(0, -1)).unwrap();
    (total / normaliser, grad)
}

fn pytorch(cases: &[(Option<Vec<f64>>, f64)]) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let (script, input, output) = (dir.path().join("loss.py"), dir.path().join("in.json"), dir.path().join("out.json"));
    std::fs::write(&script, SCRIPT).unwrap();
    let cases: Vec<Value> = cases
        .iter()
        .map(|(weights, smoothing)| {
            // The f32 values our tensor holds.
            let weights = weights.as_ref().map(|w| w.iter().map(|&x| f64::from(x as f32)).collect::<Vec<_>>());
            json!({"weights": weights, "smoothing": smoothing})
        })
        .collect();
    let spec = json!({
        "num_labels": LABELS, "rows": ROWS, "train_labels": train_labels(),
        "logits": logits().iter().map(|&x| f64::from(x)).collect::<Vec<_>>(), "labels": batch_labels(), "cases": cases,
    });
    std::fs::write(&input, serde_json::to_vec(&spec).unwrap()).unwrap();
    let run = Command::new(python()).arg(&script).arg(&input).arg(&output).output().unwrap();
    assert!(run.status.success(), "python check failed:\n{}", String::from_utf8_lossy(&run.stderr));
    serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap()
}

fn floats(value: &Value) -> Vec<f64> {
    serde_json::from_value(value.clone()).unwrap()
}

#[test]
fn class_weights_loss_and_gradients_equal_scikit_learn_and_pytorch() {
    let counts = label_counts(&train_labels(), LABELS);
    let balanced = class_weights(ClassWeighting::Balanced, &counts).unwrap().unwrap();
    let sqrt = class_weights(ClassWeighting::Sqrt, &counts).unwrap().unwrap();
    let mut cases = Vec::new();
    for weights in [None, Some(balanced.clone()), Some(sqrt.clone())] {
        for smoothing in [0.0, 0.1, 0.3] {
            cases.push((weights.clone(), smoothing));
        }
    }
    let theirs = pytorch(&cases);

    // scikit-learn computes n / (k · count) in float64 like we do: the same values to the last bits.
    for (name, ours) in [("balanced", &balanced), ("sqrt", &sqrt)] {
        let expected = floats(&theirs[name]);
        for (a, b) in ours.iter().zip(&expected) {
            assert!((a - b).abs() <= 1e-12 * b.abs(), "{name}: ours {ours:?}, scikit-learn {expected:?}");
        }
    }

    let mut losses = Vec::new();
    for ((weights, smoothing), expected) in cases.iter().zip(theirs["cases"].as_array().unwrap()) {
        let (loss, grad) = ours(weights.as_deref(), *smoothing);
        let (their_loss, their_grad) = (expected["loss"].as_f64().unwrap(), floats(&expected["grad"]));
        let what = format!("weights {weights:?}, smoothing {smoothing}");
        // float32 sums in another order (micro-batches): a few units in the last place.
        assert!((loss - their_loss).abs() <= 1e-6 * their_loss.abs(), "{what}: loss {loss} vs PyTorch {their_loss}");
        let worst = grad.iter().zip(&their_grad).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        assert!(worst <= 1e-7, "{what}: gradients differ by {worst}");
        losses.push(loss);
    }
    // The cases differ from each other by far more than the tolerance, so a weighting or smoothing
    // that was silently ignored could not pass.
    for (i, a) in losses.iter().enumerate() {
        for b in &losses[i + 1..] {
            assert!((a - b).abs() > 1e-3, "two cases gave the same loss: {losses:?}");
        }
    }
}
