//! The example experiment on the full 20 Newsgroups corpus (../shared/data): reconcile and prepare
//! through the runner with the news20 plugin, checked against the corpus' published counts.

use crate::util::{dir_bytes, python_json, runner, workspace, workspace_plugin};

#[test]
fn news20_reconcile_and_prepare_cover_the_whole_corpus() {
    let tmp = tempfile::tempdir().unwrap();
    let settings = workspace().join("example-plugins/news20/settings.ini");
    let root = tmp.path().join("experiments");
    let root_override = format!("experiment.root={}", root.display());
    let run = runner(
        &workspace_plugin("mlpipe_plugin_news20"),
        &settings,
        &["reconcile", "prepare", "--set", &root_override],
    );
    run.ok();
    let data = root.join("EXP-0001-news20/data");
    let seen = python_json(
        r#"
import json, math, sys, pandas as pd, pathlib
data = pathlib.Path(sys.argv[1])
records = pd.read_parquet(data / "reconciled" / "records.parquet", columns=["id", "label", "split"])
prepared = {p.stem: pd.read_parquet(p) for p in (data / "prepared").glob("*.parquet")}
per_label = records[records.split != "test"].groupby("label").size()
print(json.dumps({
    "records": len(records),
    "labels": records["label"].nunique(),
    "splits": records["split"].value_counts().to_dict(),
    "expected_validation": int(sum(math.floor(n * 0.1 + 0.5) for n in per_label)),
    "prepared_rows": {k: len(v) for k, v in prepared.items()},
    "columns": list(prepared["train"].columns),
    "ids_match": bool((prepared["train"]["bow_input_ids"].map(len) == prepared["train"]["bow_attention_mask"].map(len)).all()),
    "unigrams_shorter": bool((prepared["train"]["bow_unigram_input_ids"].map(len) <= prepared["train"]["bow_input_ids"].map(len)).all()),
}))
"#,
        &[&data],
    );
    // The bydate split: 11,314 train and 7,532 test documents, 20 labels (shared/data/README.md).
    assert_eq!(seen["records"], 18_846);
    assert_eq!(seen["labels"], 20);
    assert_eq!(seen["splits"]["test"], 7_532);
    // Stratified: round(n * 0.1) per label, halves rounded up as Rust's f64::round does.
    let validation = seen["splits"]["validation"].as_u64().unwrap();
    assert_eq!(validation, seen["expected_validation"].as_u64().unwrap());
    assert_eq!(seen["splits"]["train"].as_u64().unwrap() + validation, 11_314);
    assert_eq!(seen["prepared_rows"]["test"], 7_532);
    // The example is a comparison job (bow, bow_unigram): prefixed columns, one shared label.
    assert_eq!(
        seen["columns"],
        serde_json::json!([
            "id",
            "label",
            "bow_input_ids",
            "bow_attention_mask",
            "bow_unigram_input_ids",
            "bow_unigram_attention_mask"
        ])
    );
    assert_eq!(seen["ids_match"], true);
    assert_eq!(seen["unigrams_shorter"], true);
}

/// The demo's comparison (`bow`, `bow_unigram`: 16.8 M parameters each) on a slice of the corpus,
/// trained and evaluated: the finished run keeps no checkpoints and takes at most twice its
/// exported model files (`model.pt` and `weights.safetensors` of each model); `runner runs`
/// prints its size.
#[test]
fn a_finished_demo_run_keeps_no_checkpoints_and_at_most_twice_its_exported_models() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = workspace().join("../shared/data/20news-bydate.tar.gz");
    let slice = tmp.path().join("slice.tar.gz");
    let status = std::process::Command::new(crate::util::python())
        .arg(workspace().join("scripts/news20_slice.py"))
        .args([&corpus, &slice])
        .args(["40", "10"])
        .status()
        .expect("run news20_slice.py");
    assert!(status.success(), "news20_slice.py failed");
    let settings = workspace().join("example-plugins/news20/settings.ini");
    let root = tmp.path().join("experiments");
    let overrides = [
        format!("experiment.root={}", root.display()),
        format!("data.source={}", slice.display()),
        "training.epochs=2".to_string(),
    ];
    let mut args = vec!["all"];
    for value in &overrides {
        args.extend(["--set", value.as_str()]);
    }
    let plugin = workspace_plugin("mlpipe_plugin_news20");
    runner(&plugin, &settings, &args).ok();

    let run = root.join("EXP-0001-news20/runs/1");
    let mut exported = 0;
    for model in ["bow", "bow_unigram"] {
        let training = run.join("training").join(model);
        assert!(training.join("statistics.json").is_file(), "{model} finished");
        assert!(!training.join("checkpoints").exists(), "{model}: checkpoints removed once finished");
        for file in ["model.pt", "weights.safetensors"] {
            exported += std::fs::metadata(training.join(file)).unwrap().len();
        }
    }
    let size = dir_bytes(&run);
    println!(
        "finished demo run: {size} bytes, exported model files {exported} bytes ({:.3}x)",
        size as f64 / exported as f64
    );
    assert!(size <= 2 * exported, "run {size} bytes > 2 x {exported} bytes of exported model files");

    let listing =
        crate::util::runner_args(&["runs".as_ref(), settings.as_os_str(), "--set".as_ref(), overrides[0].as_ref()]);
    let line = listing.ok().lines().find(|line| line.trim_start().starts_with("1 ")).expect("run 1 listed").to_string();
    let cell = line.split("  ").map(str::trim).find(|cell| cell.ends_with('B')).expect("a size cell");
    let (printed, rounding) = crate::util::printed_size(cell);
    assert!((printed - size as f64).abs() <= rounding, "runs prints {line:?} for {size} bytes");
}
