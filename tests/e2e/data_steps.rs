//! reconcile and prepare through the runner on the fixture plugin: the files, their contents as
//! pandas reads them, the splits, and the rules that protect existing snapshots.

use crate::util::{fixture_plugin, python_json, Experiment};
use std::path::Path;

/// pandas' view of the snapshot: row counts, columns, per-split counts and list lengths.
const INSPECT: &str = r#"
import json, sys, pandas as pd, pathlib
data = pathlib.Path(sys.argv[1])
records = pd.read_parquet(data / "reconciled" / "records.parquet")
out = {
    "records": len(records),
    "record_columns": list(records.columns),
    "splits": records["split"].value_counts().to_dict(),
    "per_label_split": {f"{l}/{s}": int(n) for (l, s), n in records.groupby(["label", "split"]).size().items()},
    "prepared": {},
}
id2label = {int(k): v for k, v in json.loads((data / "id2label.json").read_text()).items()}
out["id2label"] = [id2label[i] for i in range(len(id2label))]
out["label_ids_consistent"] = bool((records["label_id"].map(id2label) == records["label"]).all())
for path in sorted((data / "prepared").glob("*.parquet")):
    table = pd.read_parquet(path)
    lists = {c: [int(len(v)) for v in table[c]] for c in table.columns if c not in ("id", "label")}
    merged = table.merge(records[["id", "label_id", "split"]], on="id")
    out["prepared"][path.stem] = {
        "rows": len(table),
        "columns": list(table.columns),
        "labels_match": bool((merged["label"] == merged["label_id"]).all()),
        "splits_match": bool((merged["split"] == path.stem).all()),
        "min_lengths": {c: min(v) for c, v in lists.items()},
    }
print(json.dumps(out))
"#;

fn inspect(data: &Path) -> serde_json::Value {
    python_json(INSPECT, &[data])
}

#[test]
fn reconcile_and_prepare_write_a_snapshot_pandas_reads() {
    let exp = Experiment::fixture("records = 60", "");
    let out = exp.run(&fixture_plugin(), &["reconcile", "prepare"]);
    let stdout = out.ok();
    assert!(stdout.contains("reconcile: wrote 60 records, 3 labels"), "{stdout}");
    let data = exp.exp_dir("fixture-exp").join("data");
    let seen = inspect(&data);
    assert_eq!(seen["records"], 60);
    assert_eq!(seen["record_columns"], serde_json::json!(["id", "label", "label_id", "split", "source", "text"]));
    assert_eq!(seen["id2label"], serde_json::json!(["red", "green", "blue"]));
    assert_eq!(seen["label_ids_consistent"], true);
    // 20 records per label: test round(20 * 0.25) = 5, validation round(20 * 0.2) = 4, train 11.
    for label in ["red", "green", "blue"] {
        assert_eq!(seen["per_label_split"][format!("{label}/test")], 5);
        assert_eq!(seen["per_label_split"][format!("{label}/validation")], 4);
        assert_eq!(seen["per_label_split"][format!("{label}/train")], 11);
    }
    for (split, rows) in [("train", 33), ("validation", 12), ("test", 15)] {
        let file = &seen["prepared"][split];
        assert_eq!(file["rows"], rows, "{split}");
        assert_eq!(file["columns"], serde_json::json!(["id", "label", "input_ids", "attention_mask"]));
        assert_eq!(file["labels_match"], true);
        assert_eq!(file["splits_match"], true);
        assert!(file["min_lengths"]["input_ids"].as_u64().unwrap() > 0);
    }
    let manifest: toml::Value = toml::from_str(&std::fs::read_to_string(data.join("manifest.toml")).unwrap()).unwrap();
    assert_eq!(manifest["num_records"].as_integer(), Some(60));
    assert_eq!(manifest["labels"]["blue"]["test"].as_integer(), Some(5));
    let prepared: toml::Value =
        toml::from_str(&std::fs::read_to_string(data.join("prepared/manifest.toml")).unwrap()).unwrap();
    assert_eq!(prepared["models"][0]["input_keys"].as_array().unwrap().len(), 2);
}

#[test]
fn plugin_splits_are_kept_and_only_validation_is_made() {
    let exp = Experiment::fixture("records = 40\nsplits = test", "");
    exp.run(&fixture_plugin(), &["reconcile"]).ok();
    let seen = inspect(&exp.exp_dir("fixture-exp").join("data"));
    // The fixture puts every 4th record in test: 10 of 40.
    assert_eq!(seen["splits"]["test"], 10);
    assert_eq!(seen["splits"]["validation"].as_u64().unwrap() + seen["splits"]["train"].as_u64().unwrap(), 30);
}

#[test]
fn the_same_seed_gives_the_same_snapshot_bytes() {
    let a = Experiment::fixture("records = 50", "");
    let b = Experiment::fixture("records = 50", "");
    a.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    b.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    for file in ["reconciled/records.parquet", "prepared/train.parquet", "id2label.json"] {
        let read = |exp: &Experiment| std::fs::read(exp.exp_dir("fixture-exp").join("data").join(file)).unwrap();
        assert_eq!(read(&a), read(&b), "{file}");
    }
}

#[test]
fn an_existing_snapshot_is_never_overwritten_without_force() {
    let exp = Experiment::fixture("records = 30", "");
    exp.run(&fixture_plugin(), &["reconcile"]).ok();
    let records = exp.exp_dir("fixture-exp").join("data/reconciled/records.parquet");
    let before = std::fs::read(&records).unwrap();

    let again = exp.run(&fixture_plugin(), &["reconcile", "--set", "experiment.seed=8"]);
    let line = again.failure(1);
    assert!(line.contains("data") && line.contains("already exists") && line.contains("--force"), "{line}");
    assert_eq!(std::fs::read(&records).unwrap(), before, "refused run must not touch the snapshot");

    let forced = exp.run(&fixture_plugin(), &["reconcile", "--force", "--set", "experiment.seed=8"]);
    assert!(forced.ok().contains("previous snapshot was moved to"), "{}", forced.stdout);
    let archive = exp.exp_dir("fixture-exp").join("archive");
    let archived: Vec<_> = std::fs::read_dir(&archive).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(archived.len(), 1);
    assert_eq!(std::fs::read(archived[0].join("reconciled/records.parquet")).unwrap(), before);
    assert_ne!(std::fs::read(&records).unwrap(), before, "seed 8 must give another split");
}

#[test]
fn all_reuses_data_made_from_identical_inputs_and_refuses_changed_inputs() {
    let exp = Experiment::fixture("records = 30", "");
    exp.run(&fixture_plugin(), &[]).ok();
    let second = exp.run(&fixture_plugin(), &["all"]);
    let stdout = second.ok();
    assert!(stdout.contains("reconcile: up to date") && stdout.contains("prepare: up to date"), "{stdout}");
    let changed = exp.run(&fixture_plugin(), &["all", "--set", "data.validation_fraction=0.3"]);
    assert_eq!(changed.code, 1);
    assert!(changed.error_line().contains("other inputs"), "{}", changed.stderr);
}

#[test]
fn a_prepared_snapshot_from_before_the_cache_is_still_reused_by_all() {
    let exp = Experiment::fixture("records = 30", "");
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    // Rewrite the manifest as versions before the cache wrote it: no cache keys, and the inputs
    // hash of the records, the plugin file and the model names alone.
    let path = exp.exp_dir("fixture-exp").join("data/prepared/manifest.toml");
    let mut manifest: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let text = |key: &str| manifest[key].as_str().unwrap().to_string();
    let legacy = mlpipe_core::hash::InputsHash::new()
        .with("records_sha256", text("records_sha256"))
        .with("plugin_sha256", text("plugin_sha256"))
        .with("model_names", "tiny")
        .finish();
    manifest.insert("inputs_sha256".into(), legacy.into());
    for model in manifest["models"].as_array_mut().unwrap() {
        model.as_table_mut().unwrap().remove("cache_key");
    }
    std::fs::write(&path, toml::to_string(&manifest).unwrap()).unwrap();
    let again = exp.run(&fixture_plugin(), &["all"]);
    assert!(again.ok().contains("prepare: up to date, reused"), "{}", again.stdout);
}

#[test]
fn a_record_with_an_unknown_label_is_named() {
    let exp = Experiment::fixture("records = 30\nbad_label_record = r0012", "");
    let run = exp.run(&fixture_plugin(), &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("r0012") && line.contains("purple") && line.contains("labels()"), "{line}");
    assert!(!exp.exp_dir("fixture-exp").join("data/reconciled/records.parquet").exists());
}

#[test]
fn a_duplicate_record_id_is_named() {
    let exp = Experiment::fixture("records = 30\nduplicate_id = true", "");
    let run = exp.run(&fixture_plugin(), &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("r0001") && line.contains("duplicate"), "{line}");
}

#[test]
fn prepare_before_reconcile_says_what_to_run() {
    let exp = Experiment::fixture("records = 30", "");
    let run = exp.run(&fixture_plugin(), &["prepare"]);
    let line = run.failure(1);
    assert!(line.contains("manifest.toml") && line.contains("run the `reconcile` step first"), "{line}");
}

#[test]
fn a_comparison_job_prefixes_each_models_columns() {
    let exp = Experiment::fixture("records = 30", "");
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "--set", "experiment.model_names=tiny,dense"]).ok();
    let seen = inspect(&exp.exp_dir("fixture-exp").join("data"));
    assert_eq!(
        seen["prepared"]["train"]["columns"],
        serde_json::json!(["id", "label", "tiny_input_ids", "tiny_attention_mask", "dense_features"])
    );
    assert_eq!(seen["prepared"]["train"]["min_lengths"]["dense_features"], 8);
}

#[test]
fn a_root_that_is_a_file_says_why_the_write_failed() {
    // The operating system's reason ends the one error line; it was dropped before.
    let exp = Experiment::fixture("", "");
    std::fs::write(exp.dir.path().join("experiments"), "a file, not a folder").unwrap();
    let line = exp.run(&fixture_plugin(), &["reconcile"]).failure(1);
    assert!(line.starts_with("error: i/o error at "), "{line}");
    assert!(line.ends_with(": Not a directory (os error 20)"), "{line}");
}

#[test]
fn a_missing_cuda_device_stops_the_job_before_any_step_writes() {
    let cuda = python_json("import json, torch\nprint(json.dumps(torch.cuda.is_available()))", &[]);
    let exp = Experiment::fixture("records = 30", "");
    let run = exp.run(&fixture_plugin(), &["all", "--set", "training.device=cuda"]);
    if cuda == serde_json::json!(true) {
        // A machine with a GPU has the device: the check lets the job through.
        run.ok();
        return;
    }
    assert_eq!(run.failure(2), "error: training.device = cuda but no CUDA device is available");
    assert!(!exp.exp_dir("fixture-exp").join("data").exists(), "reconcile ran before the check");
}
