//! The train step through the runner on the fixture plugin: outputs, metric lines and their
//! SageMaker regexes, the exported model re-evaluated in Python (torch.jit.load + scikit-learn),
//! bit-identical reruns, and an exact resume after SIGKILL.

use crate::util::{fixture_plugin, kill_after_a_mid_epoch_checkpoint, python_json, without_timing, Experiment};
use mlpipe_core::train::metric_log::sagemaker_metric_definitions;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const TRAINING: &str = "[training]\nepochs = 4\nbatch_size = 16\nmax_device_batch_size = 8\nlearning_rate = 0.05\nwarmup_ratio = 0.1\nnum_threads = 1\n";

fn experiment() -> Experiment {
    Experiment::fixture("records = 150", TRAINING)
}

fn model_dir(exp: &Experiment, run: u64) -> PathBuf {
    exp.exp_dir("fixture-exp").join(format!("runs/{run}/training/tiny"))
}

/// statistics.json without the timing fields, which legitimately differ between runs.
fn deterministic_statistics(dir: &Path) -> serde_json::Value {
    without_timing(serde_json::from_slice(&std::fs::read(dir.join("statistics.json")).unwrap()).unwrap())
}

#[test]
fn train_writes_outputs_and_metric_lines_sagemaker_can_scrape() {
    let exp = experiment();
    let run = exp.run(&fixture_plugin(), &["all"]);
    let stdout = run.ok();
    let dir = model_dir(&exp, 1);
    for file in [
        "model.pt",
        "weights.safetensors",
        "input_keys.json",
        "metrics.jsonl",
        "statistics.json",
        "curves/loss.png",
        "curves/accuracy.png",
        "curves/f1.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("input_keys.json")).unwrap().replace(char::is_whitespace, ""),
        r#"["input_ids","attention_mask"]"#
    );
    // Every metric name the trainer emits is matched, value captured, by its generated regex.
    let lines: Vec<&str> = stdout.lines().filter(|line| line.starts_with("[metric] ")).collect();
    assert!(!lines.is_empty());
    for (name, pattern) in sagemaker_metric_definitions() {
        let regex = regex::Regex::new(&pattern).unwrap();
        let emitted: Vec<&&str> = lines.iter().filter(|line| line.contains(&format!(" {name}="))).collect();
        assert!(!emitted.is_empty(), "the trainer never printed {name}");
        for line in emitted {
            let value: f64 =
                regex.captures(line).unwrap_or_else(|| panic!("{pattern} does not match {line}"))[1].parse().unwrap();
            assert!(line.ends_with(&format!("{value:.6}")), "{line}");
        }
    }
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("statistics.json")).unwrap()).unwrap();
    assert!(stats["best_value"].as_f64().unwrap() > 0.5, "the fixture is learnable: {stats}");
    assert!(stats["padding_ratio"].as_f64().unwrap() < 0.5);
}

#[test]
fn the_exported_model_reproduces_validation_metrics_in_pytorch() {
    // Two epochs at a small rate: the model stays imperfect (a perfect one would pass this check
    // with a wrong export as long as its argmax survived), and the loss compares the logits.
    let exp =
        Experiment::fixture("records = 150", &TRAINING.replace("epochs = 4", "epochs = 2").replace("0.05", "0.003"));
    exp.run(&fixture_plugin(), &["all"]).ok();
    let dir = model_dir(&exp, 1);
    let data = exp.exp_dir("fixture-exp").join("data/prepared/validation.parquet");
    // Python: torch.jit.load the export, pad each row itself, and score with scikit-learn.
    let seen = python_json(
        r#"
import json, sys, torch, pandas as pd
from sklearn.metrics import accuracy_score, f1_score
model = torch.jit.load(sys.argv[1])
table = pd.read_parquet(sys.argv[2])
preds, losses = [], []
with torch.no_grad():
    for ids, label in zip(table["input_ids"], table["label"]):
        ids = torch.tensor(list(ids), dtype=torch.int64).unsqueeze(0)
        logits = model(ids, torch.ones_like(ids)).double()
        preds.append(int(logits.argmax(-1)))
        losses.append(float(torch.nn.functional.cross_entropy(logits, torch.tensor([int(label)]))))
print(json.dumps({
    "accuracy": accuracy_score(table["label"], preds),
    "macro_f1": f1_score(table["label"], preds, average="macro", labels=list(range(3)), zero_division=0),
    "loss": sum(losses) / len(losses),
}))
"#,
        &[&dir.join("model.pt"), &data],
    );
    let stats = deterministic_statistics(&dir);
    let best_epoch = stats["best_epoch"].as_u64().unwrap() as usize;
    let validation = &stats["history"][best_epoch - 1]["validation"];
    assert!(validation["accuracy"].as_f64().unwrap() < 1.0, "an imperfect model: {validation}");
    for metric in ["accuracy", "macro_f1"] {
        let (python, rust) = (seen[metric].as_f64().unwrap(), validation[metric].as_f64().unwrap());
        assert!((python - rust).abs() < 1e-9, "{metric}: pytorch {python} vs runner {rust}");
    }
    // The mean cross-entropy of the export's logits (float32, one row at a time) against the
    // trained model's own (batched and padded): equal to float32 rounding.
    let (python, rust) = (seen["loss"].as_f64().unwrap(), validation["loss"].as_f64().unwrap());
    assert!((python - rust).abs() <= 1e-5 * rust.abs().max(1.0), "loss: pytorch {python} vs runner {rust}");
}

#[test]
fn same_settings_and_seed_give_bit_identical_metrics() {
    let exp = experiment();
    exp.run(&fixture_plugin(), &["all"]).ok();
    exp.run(&fixture_plugin(), &["train"]).ok();
    assert_eq!(deterministic_statistics(&model_dir(&exp, 1)), deterministic_statistics(&model_dir(&exp, 2)));
    assert_eq!(metric_lines_without_timing(&exp, 1), metric_lines_without_timing(&exp, 2));
}

#[test]
fn a_dropout_model_gives_bit_identical_metrics_and_weights() {
    // Dropout masks on micro-batches of 8 (gradient accumulation over batches of 16).
    let exp = Experiment::fixture("records = 150\ntiny_dropout = 0.5", TRAINING);
    exp.run(&fixture_plugin(), &["all"]).ok();
    exp.run(&fixture_plugin(), &["train"]).ok();
    assert_eq!(deterministic_statistics(&model_dir(&exp, 1)), deterministic_statistics(&model_dir(&exp, 2)));
    assert_eq!(metric_lines_without_timing(&exp, 1), metric_lines_without_timing(&exp, 2));
    let weights = |run| std::fs::read(model_dir(&exp, run).join("weights.safetensors")).unwrap();
    assert!(weights(1) == weights(2), "same seed, different weights");
    // The masks really act: without dropout the same run trains differently.
    exp.run(&fixture_plugin(), &["train", "--set", "plugin.tiny_dropout=0"]).ok();
    assert_ne!(metric_lines_without_timing(&exp, 1), metric_lines_without_timing(&exp, 3));
}

/// The lines of a run's `metrics.jsonl`, without the throughput lines that vary between runs.
fn metric_lines_without_timing(exp: &Experiment, run: u64) -> Vec<String> {
    std::fs::read_to_string(model_dir(exp, run).join("metrics.jsonl"))
        .unwrap()
        .lines()
        .filter(|line| !line.contains("samples_per_second"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_run_killed_mid_epoch_resumes_to_the_same_result_and_keeps_few_checkpoints() {
    killed_mid_epoch_and_resumed("records = 600", "");
}

#[test]
fn a_balanced_sampler_with_weighted_smoothed_loss_resumes_exactly() {
    // 601 records: the labels' counts differ, so the weights are not all 1.
    killed_mid_epoch_and_resumed(
        "records = 601",
        "sampler = balanced\nclass_weighting = balanced\nlabel_smoothing = 0.1\n",
    );
}

#[test]
fn a_dropout_model_killed_mid_epoch_resumes_exactly() {
    // The masks after the resume are those the uninterrupted run drew: seeded per (seed, step, row).
    killed_mid_epoch_and_resumed("records = 600\ntiny_dropout = 0.5", "");
}

/// Trains run 1 uninterrupted, then run 2 killed (SIGKILL) right after a mid-epoch checkpoint and
/// resumed: both must end with the same statistics, metric lines and weights.
fn killed_mid_epoch_and_resumed(plugin_options: &str, extra_training: &str) {
    // Enough work after the kill point that the kill lands before the run ends; a checkpoint
    // every 5 steps (mid-epoch), keeping the 2 most recent.
    let training = TRAINING.replace("epochs = 4", "epochs = 8")
        + "checkpoint_every_steps = 5\nkeep_checkpoints = 2\nkeep_checkpoints_after_finish = true\n"
        + extra_training;
    let exp = Experiment::fixture(plugin_options, &training);
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    exp.run(&fixture_plugin(), &["train"]).ok(); // run 1: uninterrupted

    let state = model_dir(&exp, 2).join("checkpoints/state.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(exp.settings())
        .arg("train")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    kill_after_a_mid_epoch_checkpoint(&mut child, &state);
    assert!(!model_dir(&exp, 2).join("statistics.json").exists(), "killed before finishing");
    // A checkpoint stores metrics.jsonl before its tensors and state.toml: a kill in between
    // leaves points past the state the run resumes from. Make that happen every time (it did,
    // now and then, by itself): the resumed file must not keep them.
    let step: u64 =
        regex::Regex::new(r"(?m)^step = (\d+)$").unwrap().captures(&std::fs::read_to_string(&state).unwrap()).unwrap()
            [1]
        .parse()
        .unwrap();
    let metrics = model_dir(&exp, 2).join("metrics.jsonl");
    let mut lines = std::fs::read_to_string(&metrics).unwrap();
    lines.push_str(&format!("{{\"epoch\":1,\"step\":{},\"name\":\"train:loss\",\"value\":9.0}}\n", step + 1));
    std::fs::write(&metrics, lines).unwrap();

    let changed = exp.run(&fixture_plugin(), &["train", "--resume", "2", "--set", "training.epochs=9"]);
    assert_eq!(changed.code, 2);
    assert!(changed.error_line().contains("settings differ from the run's snapshot"), "{}", changed.stderr);
    let resumed = exp.run(&fixture_plugin(), &["train", "--resume", "2"]);
    let stdout = resumed.ok();
    assert!(regex::Regex::new(r"resumed at epoch \d+ step \d+ \(batch [1-9]").unwrap().is_match(stdout), "{stdout}");
    assert_eq!(deterministic_statistics(&model_dir(&exp, 1)), deterministic_statistics(&model_dir(&exp, 2)));
    assert_eq!(metric_lines_without_timing(&exp, 1), metric_lines_without_timing(&exp, 2));
    let weights = |run| std::fs::read(model_dir(&exp, run).join("weights.safetensors")).unwrap();
    assert!(weights(1) == weights(2), "the resumed run's best weights differ from the uninterrupted run's");
    let mut kept: Vec<String> = std::fs::read_dir(model_dir(&exp, 2).join("checkpoints"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("step-"))
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "keep_checkpoints = 2 keeps two: {kept:?}");
    assert!(model_dir(&exp, 2).join("checkpoints/best.safetensors").is_file());
}

#[test]
fn a_diverging_loss_stops_with_its_step() {
    let exp = Experiment::fixture("records = 60", &TRAINING.replace("learning_rate = 0.05", "learning_rate = 1e30"));
    let tmp = tempfile::tempdir().unwrap();
    let run = exp.run_with_tmpdir(&fixture_plugin(), &["all"], tmp.path());
    let line = run.failure(1);
    assert!(line.contains("model tiny: loss became") && line.contains("at step"), "{line}");
    // The failed step's scratch folder is gone: a later runner process cannot append to its
    // metrics.jsonl (seen in CI when a process id was reused).
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|entry| entry.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_model_with_the_wrong_number_of_outputs_is_named() {
    let exp = Experiment::fixture("records = 60\nextra_outputs = 1", TRAINING);
    let run = exp.run(&fixture_plugin(), &["all"]);
    let line = run.failure(1);
    assert!(line.contains("model tiny") && line.contains("returned shape [2, 4], expected [2, 3]"), "{line}");
}

#[test]
fn an_unprepared_model_and_an_empty_split_fail_before_training() {
    let exp = Experiment::fixture("records = 60", TRAINING);
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let run = exp.run(&fixture_plugin(), &["train", "--set", "experiment.model_names=dense"]);
    let line = run.failure(1);
    assert!(line.contains("model dense") && line.contains("not in the prepared data"), "{line}");

    let tiny = Experiment::fixture("records = 30", TRAINING);
    let settings = std::fs::read_to_string(tiny.settings())
        .unwrap()
        .replace("validation_fraction = 0.2", "validation_fraction = 0.01");
    std::fs::write(tiny.settings(), settings).unwrap();
    let run = tiny.run(&fixture_plugin(), &["all"]);
    let line = run.failure(1);
    assert!(line.contains("model tiny") && line.contains("validation split is empty"), "{line}");
}

#[test]
fn a_comparison_job_trains_every_model_in_one_run() {
    let exp = experiment();
    let run = exp.run(&fixture_plugin(), &["all", "--set", "experiment.model_names=tiny,dense"]);
    run.ok();
    for model in ["tiny", "dense"] {
        let dir = exp.exp_dir("fixture-exp").join(format!("runs/1/training/{model}"));
        assert!(dir.join("model.pt").is_file() && dir.join("statistics.json").is_file(), "{model}");
    }
}

#[test]
fn early_stopping_ends_training_after_patience_evaluations_without_improvement() {
    // The fixture is separable: validation macro-F1 reaches its best within a few epochs and
    // cannot improve after reaching 1.0, so patience 2 stops well before 12 epochs.
    let training = TRAINING.replace("epochs = 4", "epochs = 12") + "early_stopping_patience = 2\n";
    let exp = Experiment::fixture("records = 150", &training);
    exp.run(&fixture_plugin(), &["all"]).ok();
    let stats = deterministic_statistics(&model_dir(&exp, 1));
    let (best_epoch, epochs_run) = (stats["best_epoch"].as_u64().unwrap(), stats["epochs_run"].as_u64().unwrap());
    assert_eq!(stats["stopped_early"], true, "{stats}");
    assert_eq!(epochs_run, best_epoch + 2, "two evaluations without improvement after the best");
}

#[test]
fn bf16_and_fp16_autocast_train_on_cpu_and_export_float32() {
    let exp = experiment();
    exp.run(&fixture_plugin(), &["all"]).ok(); // run 1: float32
    exp.run(&fixture_plugin(), &["train", "--set", "training.mixed_precision=bf16"]).ok(); // run 2
    exp.run(&fixture_plugin(), &["train", "--set", "training.mixed_precision=fp16"]).ok(); // run 3
    let full = deterministic_statistics(&model_dir(&exp, 1));
    for run in [2, 3] {
        let stats = deterministic_statistics(&model_dir(&exp, run));
        assert!(stats["best_value"].as_f64().unwrap() > 0.9, "run {run}: {stats}");
        // Reduced precision really was used: the losses differ from the float32 run's.
        assert_ne!(stats["history"][0]["train"]["loss"], full["history"][0]["train"]["loss"], "run {run}");
        assert!(model_dir(&exp, run).join("model.pt").is_file());
    }
}

#[test]
fn a_finished_models_checkpoints_are_removed_also_when_a_kill_left_them() {
    let exp = experiment();
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "train"]).ok();
    let dir = model_dir(&exp, 1);
    assert!(dir.join("model.pt").is_file() && dir.join("weights.safetensors").is_file());
    assert!(!dir.join("checkpoints").exists(), "a finished model's checkpoints are removed");
    // A kill after statistics.json but before the clean-up leaves them: resuming finds the model
    // finished, skips it and removes them.
    std::fs::create_dir_all(dir.join("checkpoints")).unwrap();
    std::fs::write(dir.join("checkpoints/best.safetensors"), b"left by a kill").unwrap();
    let resumed = exp.run(&fixture_plugin(), &["train", "--resume", "1"]);
    assert!(resumed.ok().contains("tiny already finished in run 1, skipped"), "{}", resumed.stdout);
    assert!(!dir.join("checkpoints").exists(), "the leftover checkpoints are removed");
}
