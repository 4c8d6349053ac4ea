//! The infer step through the runner: the exported model evaluated on the test split, with
//! per-label statistics checked against scikit-learn on the same predictions, predictions checked
//! against PyTorch's own run of `model.pt`, and `--run` re-evaluating an earlier run read-only.

use crate::util::{fixture_plugin, python_json, Experiment};
use std::path::PathBuf;

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

/// scikit-learn and PyTorch's view of one model's inference folder.
const CHECK: &str = r#"
import json, sys, numpy as np, pandas as pd, torch
from sklearn.metrics import classification_report, confusion_matrix
inference, training, test_file = sys.argv[1], sys.argv[2], sys.argv[3]
summary = json.load(open(f"{inference}/summary.json"))
pred = pd.read_parquet(f"{inference}/predictions.parquet")
n = len(summary["labels"])
report = classification_report(pred["label"], pred["predicted"], labels=list(range(n)), output_dict=True, zero_division=0)
csv = pd.read_csv(f"{inference}/per_label.csv")
model = torch.jit.load(f"{training}/model.pt")
test = pd.read_parquet(test_file)
torch_pred = {}
with torch.no_grad():
    for ident, ids in zip(test["id"], test["input_ids"]):
        x = torch.tensor(list(ids), dtype=torch.int64).unsqueeze(0)
        torch_pred[ident] = int(model(x, torch.ones_like(x)).argmax(-1))
probs = np.stack(pred["probabilities"].to_numpy())
print(json.dumps({
    "rows": len(pred),
    "accuracy": report["accuracy"],
    "macro_f1": report["macro avg"]["f1-score"],
    "weighted_f1": report["weighted avg"]["f1-score"],
    "per_label_f1": {summary["labels"][i]: report[str(i)]["f1-score"] for i in range(n)},
    "per_label_support": {summary["labels"][i]: report[str(i)]["support"] for i in range(n)},
    "confusion": confusion_matrix(pred["label"], pred["predicted"], labels=list(range(n))).tolist(),
    "csv_f1": csv["f1"].tolist(),
    "csv_labels": csv["label"].tolist(),
    "prob_sums_ok": bool(np.allclose(probs.sum(1), 1.0, atol=1e-5)),
    "argmax_ok": bool((probs.argmax(1) == pred["predicted"].to_numpy()).all()),
    "torch_agrees": all(torch_pred[i] == p for i, p in zip(pred["id"], pred["predicted"])),
}))
"#;

fn dirs(exp: &Experiment, run: u64) -> (PathBuf, PathBuf) {
    let base = exp.exp_dir("fixture-exp").join(format!("runs/{run}"));
    (base.join("inference/tiny"), base.join("training/tiny"))
}

#[test]
fn infer_statistics_equal_scikit_learn_and_pytorch_on_the_same_predictions() {
    let exp = Experiment::fixture("records = 150", TRAINING);
    let run = exp.run(&fixture_plugin(), &["all"]);
    assert!(run.ok().contains("infer: tiny on 39 test records"), "{}", run.stdout);
    let (inference, training) = dirs(&exp, 1);
    let test = exp.exp_dir("fixture-exp").join("data/prepared/test.parquet");
    let seen = python_json(CHECK, &[&inference, &training, &test]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inference.join("summary.json")).unwrap()).unwrap();
    // The fixture makes 150 records, 50 per label; test = round(50 * 0.25) = 13 per label.
    assert_eq!(seen["rows"], 39);
    assert_eq!(summary["examples"], 39);
    for key in ["accuracy", "macro_f1", "weighted_f1"] {
        let (rust, sklearn) = (summary[key].as_f64().unwrap(), seen[key].as_f64().unwrap());
        assert!((rust - sklearn).abs() < 1e-12, "{key}: {rust} vs scikit-learn {sklearn}");
    }
    assert_eq!(summary["confusion_matrix"], seen["confusion"]);
    for row in summary["per_label"].as_array().unwrap() {
        let label = row["label"].as_str().unwrap();
        assert!((row["f1"].as_f64().unwrap() - seen["per_label_f1"][label].as_f64().unwrap()).abs() < 1e-12, "{label}");
        assert_eq!(row["support"].as_f64(), seen["per_label_support"][label].as_f64(), "{label}");
    }
    let f1: Vec<f64> = seen["csv_f1"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert!(f1.windows(2).all(|w| w[0] >= w[1]), "per_label.csv is sorted by F1, best first: {f1:?}");
    assert_eq!(seen["prob_sums_ok"], true);
    assert_eq!(seen["argmax_ok"], true);
    assert_eq!(seen["torch_agrees"], true, "PyTorch's run of model.pt predicts the same classes");
}

#[test]
fn infer_run_re_evaluates_an_earlier_run_without_touching_its_training() {
    let exp = Experiment::fixture("records = 90", TRAINING);
    exp.run(&fixture_plugin(), &["all"]).ok();
    exp.run(&fixture_plugin(), &["train", "--set", "training.epochs=1"]).ok(); // run 2
    let (inference, training) = dirs(&exp, 1);
    let before: Vec<(PathBuf, Vec<u8>)> = ["model.pt", "weights.safetensors", "statistics.json", "metrics.jsonl"]
        .iter()
        .map(|file| (training.join(file), std::fs::read(training.join(file)).unwrap()))
        .collect();
    let summary_before = std::fs::read(inference.join("summary.json")).unwrap();
    std::fs::remove_dir_all(&inference).unwrap();
    let run = exp.run(&fixture_plugin(), &["infer", "--run", "1"]);
    assert!(run.ok().contains("infer: tiny"), "{}", run.stdout);
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{} must not change", path.display());
    }
    let mut summary_after: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inference.join("summary.json")).unwrap()).unwrap();
    let mut summary_before: serde_json::Value = serde_json::from_slice(&summary_before).unwrap();
    for summary in [&mut summary_after, &mut summary_before] {
        summary.as_object_mut().unwrap().remove("docs_per_second");
    }
    assert_eq!(summary_after, summary_before, "re-evaluating the same model.pt gives the same statistics");
    assert!(!exp.exp_dir("fixture-exp").join("runs/2/inference").exists(), "run 2 is not evaluated by `infer --run 1`");
}

#[test]
fn a_comparison_job_compares_models_on_the_same_records_like_scipy() {
    // One epoch at a small rate: the models stay imperfect and disagree, so the discordant counts
    // are not the trivial 0 and 0 of two perfect models.
    let exp =
        Experiment::fixture("records = 150", &TRAINING.replace("epochs = 2", "epochs = 1").replace("0.05", "0.002"));
    exp.run(&fixture_plugin(), &["all", "--set", "experiment.model_names=tiny,dense"]).ok();
    let inference = exp.exp_dir("fixture-exp").join("runs/1/inference");
    let seen = python_json(
        r#"
import json, sys, pandas as pd
from scipy.stats import binomtest
base = sys.argv[1]
a = pd.read_parquet(f"{base}/tiny/predictions.parquet")
b = pd.read_parquet(f"{base}/dense/predictions.parquet")
assert (a["id"] == b["id"]).all()
ra, rb = a["predicted"] == a["label"], b["predicted"] == b["label"]
only_a, only_b = int((ra & ~rb).sum()), int((~ra & rb).sum())
print(json.dumps({
    "agreement": float((a["predicted"] == b["predicted"]).mean()),
    "a_right_b_wrong": only_a, "a_wrong_b_right": only_b,
    "both_right": int((ra & rb).sum()), "both_wrong": int((~ra & ~rb).sum()),
    "p": binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0,
}))
"#,
        &[&inference],
    );
    let pairs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inference.join("comparison.json")).unwrap()).unwrap();
    let pair = &pairs[0];
    assert_eq!((pair["model_a"].as_str(), pair["model_b"].as_str()), (Some("tiny"), Some("dense")));
    for key in ["a_right_b_wrong", "a_wrong_b_right", "both_right", "both_wrong"] {
        assert_eq!(pair[key], seen[key], "{key}");
    }
    let discordant = pair["a_right_b_wrong"].as_u64().unwrap() + pair["a_wrong_b_right"].as_u64().unwrap();
    assert!(discordant > 0, "the models must disagree somewhere: {pair}");
    assert!((pair["agreement"].as_f64().unwrap() - seen["agreement"].as_f64().unwrap()).abs() < 1e-12);
    assert!((pair["mcnemar_p_value"].as_f64().unwrap() - seen["p"].as_f64().unwrap()).abs() < 1e-9);
    assert_eq!(pair["per_label_f1"].as_array().unwrap().len(), 3);
}

#[test]
fn the_ensemble_is_the_mean_of_its_members_probabilities_as_python_recomputes_it() {
    // Imperfect, disagreeing members (as above), so the ensemble's predictions are not trivially
    // either member's.
    let exp =
        Experiment::fixture("records = 150", &TRAINING.replace("epochs = 2", "epochs = 1").replace("0.05", "0.002"));
    let stdout = exp
        .run(
            &fixture_plugin(),
            &["all", "--set", "experiment.model_names=tiny,dense", "--set", "experiment.ensemble=true"],
        )
        .ok()
        .to_string();
    assert!(stdout.contains("infer: ensemble on "), "{stdout}");
    let inference = exp.exp_dir("fixture-exp").join("runs/1/inference");
    let seen = python_json(
        r#"
import json, sys, numpy as np, pandas as pd
from sklearn.metrics import accuracy_score, f1_score
base = sys.argv[1]
manifest = json.load(open(f"{base}/ensemble/ensemble.json"))
members = [pd.read_parquet(f"{base}/{m}/predictions.parquet") for m in manifest["members"]]
ens = pd.read_parquet(f"{base}/ensemble/predictions.parquet")
assert all((m["id"] == ens["id"]).all() for m in members)
total = np.zeros((len(ens), len(ens["probabilities"][0])), dtype=np.float64)
for m in members:
    total = total + np.stack(m["probabilities"].to_numpy()).astype(np.float64)
mean = total / len(members)
predicted = mean.argmax(1)
summary = json.load(open(f"{base}/ensemble/summary.json"))
print(json.dumps({
    "members": manifest["members"],
    "files": {m: manifest["files"][m]["model"] for m in manifest["members"]},
    "predictions_equal": bool((predicted == ens["predicted"].to_numpy()).all()),
    "max_prob_diff": float(np.abs(np.stack(ens["probabilities"].to_numpy()) - mean).max()),
    "differs_from_every_member": all(bool((m["predicted"] != ens["predicted"]).any()) for m in members),
    "accuracy": accuracy_score(ens["label"], predicted), "summary_accuracy": summary["accuracy"],
    "macro_f1": f1_score(ens["label"], predicted, average="macro"), "summary_macro_f1": summary["macro_f1"],
}))
"#,
        &[&inference],
    );
    assert_eq!(seen["members"], serde_json::json!(["tiny", "dense"]));
    assert_eq!(seen["files"]["tiny"], "training/tiny/model.pt");
    assert_eq!(seen["predictions_equal"], true, "{seen}");
    assert!(seen["max_prob_diff"].as_f64().unwrap() < 1e-7, "float32 of the float64 mean: {seen}");
    assert_eq!(seen["differs_from_every_member"], true, "the test needs an ensemble unlike its members: {seen}");
    assert!((seen["accuracy"].as_f64().unwrap() - seen["summary_accuracy"].as_f64().unwrap()).abs() < 1e-12);
    assert!((seen["macro_f1"].as_f64().unwrap() - seen["summary_macro_f1"].as_f64().unwrap()).abs() < 1e-12);
    // McNemar against each member, and the report's own section.
    let pairs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inference.join("comparison.json")).unwrap()).unwrap();
    let names: Vec<(String, String)> = pairs
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair["model_a"].as_str().unwrap().into(), pair["model_b"].as_str().unwrap().into()))
        .collect();
    for member in ["tiny", "dense"] {
        assert!(names.contains(&(member.to_string(), "ensemble".to_string())), "{names:?}");
    }
    let report = std::fs::read_to_string(inference.join("report.html")).unwrap();
    assert!(report.contains("<h2 id=\"model-2\">Model ensemble</h2>"), "the report has the ensemble");
}
