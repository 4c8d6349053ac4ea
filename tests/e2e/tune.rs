//! The tune step through the runner on the fixture plugin: trials as separate processes, only the
//! best trial's model kept and promoted for inference and the report, the median stopping rule
//! checked against the trials' own metric logs, and a search killed halfway that resumes into the
//! same proposal sequence as an uninterrupted one.

use crate::util::{fixture_plugin, Experiment};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRAINING: &str = "[training]\nepochs = 3\nbatch_size = 16\nmax_device_batch_size = 8\nlearning_rate = 0.05\n\
                        warmup_ratio = 0.1\nobjective_metric = validation:loss\n";

fn tuning(lines: &str) -> String {
    format!("{TRAINING}\n[tuning]\n{lines}\n")
}

fn run_dir(exp: &Experiment, run: u64) -> PathBuf {
    exp.exp_dir("fixture-exp").join(format!("runs/{run}"))
}

fn trials(run: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(run.join("tuning/trials.jsonl")).unwrap_or_default();
    text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
}

fn objective(trial: &serde_json::Value) -> f64 {
    trial["objective"].as_f64().unwrap_or_else(|| panic!("no objective: {trial}"))
}

/// `validation:loss` per epoch from a trial's metric log (last value of each epoch).
fn loss_per_epoch(trial_dir: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(trial_dir.join("training/tiny/metrics.jsonl")).unwrap();
    let mut per_epoch: BTreeMap<u64, f64> = BTreeMap::new();
    for line in text.lines() {
        let point: serde_json::Value = serde_json::from_str(line).unwrap();
        if point["name"] == "validation:loss" {
            per_epoch.insert(point["epoch"].as_u64().unwrap(), point["value"].as_f64().unwrap());
        }
    }
    per_epoch.into_values().collect()
}

#[test]
fn tuning_keeps_only_the_best_trial_and_promotes_it_for_inference_and_the_report() {
    let exp = Experiment::fixture(
        "records = 300",
        &tuning("max_jobs = 5\nmax_parallel_jobs = 2\nlearning_rate = 0.002 -> 0.3 log\nbatch_size = 8, 16, 32"),
    );
    let stdout = exp.run(&fixture_plugin(), &[]).ok().to_string();
    let run = run_dir(&exp, 1);
    let records = trials(&run);
    assert_eq!(records.len(), 5, "{stdout}");
    // Trial 1 tries the settings as written (they lie in the space).
    assert_eq!(records[0]["parameters"], serde_json::json!({"batch_size": "16", "learning_rate": "0.05"}));
    for (i, trial) in records.iter().enumerate() {
        assert_eq!(trial["trial"], i as u64 + 1);
        assert_eq!(trial["status"], "completed", "{trial}");
        let lr: f64 = trial["parameters"]["learning_rate"].as_str().unwrap().parse().unwrap();
        assert!((0.002..=0.3).contains(&lr), "{trial}");
        assert!(["8", "16", "32"].contains(&trial["parameters"]["batch_size"].as_str().unwrap()));
        // The trial's settings snapshot carries its parameters.
        let settings = std::fs::read_to_string(run.join(format!("tuning/tiny/trial-{}/settings.ini", i + 1))).unwrap();
        assert!(
            settings.contains(&format!("learning_rate = {lr:?}"))
                || settings.contains(&format!("learning_rate = {lr}")),
            "{settings}"
        );
    }
    let best = records.iter().min_by(|a, b| objective(a).total_cmp(&objective(b))).unwrap();
    // Only the best trial's model survives, promoted to training/tiny; every trial keeps its log.
    for trial in &records {
        let dir = run.join(format!("tuning/tiny/trial-{}", trial["trial"]));
        assert!(dir.join("training/tiny/metrics.jsonl").is_file());
        assert!(dir.join("train.log").is_file());
        assert!(!dir.join("training/tiny/weights.safetensors").exists(), "trial {} kept its weights", trial["trial"]);
        assert!(!dir.join("training/tiny/checkpoints").exists());
    }
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("training/tiny/statistics.json")).unwrap()).unwrap();
    assert_eq!(stats["best_value"].as_f64().unwrap(), objective(best));
    for file in ["model.pt", "weights.safetensors", "input_keys.json", "metrics.jsonl", "curves/loss.png"] {
        assert!(run.join("training/tiny").join(file).is_file(), "{file}");
    }
    assert!(!run.join("training/tiny/checkpoints").exists(), "checkpoints are not promoted");
    let best_json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("tuning/best.json")).unwrap()).unwrap();
    assert_eq!(best_json["tiny"]["trial"], best["trial"]);
    assert!(run.join("tuning/tiny/objective.png").is_file());
    assert!(run.join("inference/tiny/summary.json").is_file());
    let report = std::fs::read_to_string(run.join("inference/report.html")).unwrap();
    assert!(report.contains("Tuning: 5 trials") && report.contains("alt=\"tuning plot\""));
    let manifest = std::fs::read_to_string(run.join("manifest.toml")).unwrap();
    assert!(manifest.contains("job_type = \"tuning\"") && manifest.contains("status = \"finished\""), "{manifest}");
}

#[test]
fn the_median_rule_stops_exactly_the_trials_below_the_earlier_median() {
    let exp = Experiment::fixture(
        "records = 300",
        &tuning("strategy = random\nmax_jobs = 8\nearly_stopping = auto\nlearning_rate = 0.0001 -> 0.5 log")
            .replace("epochs = 3", "epochs = 4"),
    );
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "tune"]).ok();
    let run = run_dir(&exp, 1);
    let records = trials(&run);
    assert_eq!(records.len(), 8);
    let curves: Vec<Vec<f64>> =
        records.iter().map(|t| loss_per_epoch(&run.join(format!("tuning/tiny/trial-{}", t["trial"])))).collect();
    let mut stopped = 0;
    for (k, trial) in records.iter().enumerate() {
        // Sequential trials: the earlier ones are those before it. Loss: lower is better.
        let earlier = &curves[..k];
        let stops_at = |epoch: usize| -> bool {
            let mut averages: Vec<f64> = earlier
                .iter()
                .filter(|c| c.len() >= epoch)
                .map(|c| c[..epoch].iter().sum::<f64>() / epoch as f64)
                .collect();
            if averages.len() < 3 {
                return false;
            }
            averages.sort_by(f64::total_cmp);
            let n = averages.len();
            let median = if n % 2 == 1 { averages[n / 2] } else { (averages[n / 2 - 1] + averages[n / 2]) / 2.0 };
            curves[k][epoch - 1] > median
        };
        let epochs = curves[k].len();
        // The rule is asked after every epoch but the last (stopping then would save nothing).
        let first_stop = (1..4).find(|&e| e <= epochs && stops_at(e));
        if trial["status"] == "stopped" {
            stopped += 1;
            assert_eq!(first_stop, Some(epochs), "trial {k}: stopped at epoch {epochs}");
            assert!(epochs < 4);
        } else {
            assert_eq!(trial["status"], "completed");
            assert_eq!(first_stop, None, "trial {} should have been stopped", k + 1);
            assert_eq!(epochs, 4);
        }
    }
    assert!(stopped >= 1, "the wide learning-rate range gives bad trials to stop: {records:?}");
}

#[test]
fn a_killed_search_resumes_into_the_same_proposals_as_an_uninterrupted_one() {
    let settings = tuning("max_jobs = 5\nlearning_rate = 0.002 -> 0.3 log\nweight_decay = 0 -> 0.1")
        .replace("epochs = 3", "epochs = 6");
    let whole = Experiment::fixture("records = 600", &settings);
    whole.run(&fixture_plugin(), &["reconcile", "prepare", "tune"]).ok();
    let expected: Vec<serde_json::Value> =
        trials(&run_dir(&whole, 1)).iter().map(|t| t["parameters"].clone()).collect();

    let killed = Experiment::fixture("records = 600", &settings);
    killed.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let mut child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(killed.settings())
        .arg("tune")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let run = run_dir(&killed, 1);
    let started = Instant::now();
    // Killed once two trials finished and the running one has checkpointed an epoch, so that the
    // resume has a finished trial to keep and a checkpoint to continue from.
    let (before, interrupted) = loop {
        let records = trials(&run);
        let checkpointed = records.iter().filter(|t| t["status"] == "running").find_map(|t| {
            let trial = t["trial"].as_u64()?;
            let state = run.join(format!("tuning/tiny/trial-{trial}/training/tiny/checkpoints/state.toml"));
            state.is_file().then_some(trial)
        });
        if let (true, Some(trial)) = (records.iter().filter(|t| t["status"] != "running").count() >= 2, checkpointed) {
            break (records, trial);
        }
        assert!(started.elapsed() < Duration::from_secs(120), "two trials never finished");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = trials(&run);
    assert!(after_kill.len() < 5, "killed before the search ended: {after_kill:?}");
    // The trial process dies with the tuner (no orphan keeps writing).
    std::thread::sleep(Duration::from_millis(500));
    let settled = std::fs::read_to_string(run.join("tuning/trials.jsonl")).unwrap();

    let resumed = killed.run(&fixture_plugin(), &["tune", "--resume", "1"]);
    let stdout = resumed.ok();
    assert!(stdout.contains("tune: run 1"), "{stdout}");
    let records = trials(&run);
    let params: Vec<serde_json::Value> = records.iter().map(|t| t["parameters"].clone()).collect();
    assert_eq!(params, expected, "resumed sequence differs from the uninterrupted one (before kill: {settled})");
    assert!(records.iter().all(|t| t["status"] == "completed"), "{records:?}");
    // Finished trials were kept as they were, not run again.
    for old in before.iter().filter(|t| t["status"] != "running") {
        let now = records.iter().find(|t| t["trial"] == old["trial"]).unwrap();
        assert_eq!(now["finished"], old["finished"]);
    }
    // The interrupted trial continued from its checkpoint (not from scratch) and ended where the
    // uninterrupted search's same trial did.
    let log = std::fs::read_to_string(run.join(format!("tuning/tiny/trial-{interrupted}/train.log"))).unwrap();
    assert!(log.contains("resumed at epoch"), "trial {interrupted} restarted from scratch:\n{log}");
    let objective = |records: &[serde_json::Value]| {
        records.iter().find(|t| t["trial"] == interrupted).map(|t| t["objective"].clone()).unwrap()
    };
    assert_eq!(objective(&records), objective(&trials(&run_dir(&whole, 1))), "trial {interrupted}");
    assert!(run.join("training/tiny/model.pt").is_file());
}

#[test]
fn hyperband_trains_short_trials_and_continues_the_best_ones() {
    // epochs = 3, eta = 3: 3 configurations for 1 epoch, the best of them for 3, then 2 more for 3.
    let exp = Experiment::fixture(
        "records = 300",
        &tuning("strategy = hyperband\nmax_jobs = 20\nmax_parallel_jobs = 2\nlearning_rate = 0.001 -> 0.3 log"),
    );
    exp.run(&fixture_plugin(), &[]).ok();
    let records = trials(&run_dir(&exp, 1));
    let epochs: Vec<&str> = records.iter().map(|t| t["parameters"]["epochs"].as_str().unwrap()).collect();
    assert_eq!(epochs, ["1", "1", "1", "3", "3", "3"], "{records:?}");
    for trial in &records {
        let planned: u64 = trial["parameters"]["epochs"].as_str().unwrap().parse().unwrap();
        assert_eq!(trial["epochs_run"].as_u64(), Some(planned), "{trial}");
    }
    // Trial 4 continues the best (lowest loss) of the first rung with 3 epochs.
    let best_short = records[..3].iter().min_by(|a, b| objective(a).total_cmp(&objective(b))).unwrap();
    assert_eq!(records[3]["parameters"]["learning_rate"], best_short["parameters"]["learning_rate"]);
    assert!(run_dir(&exp, 1).join("training/tiny/model.pt").is_file());
}

#[test]
fn tuning_errors_name_what_is_wrong() {
    let plain = Experiment::fixture("records = 60", TRAINING);
    plain.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let line = plain.run(&fixture_plugin(), &["tune"]).failure(2);
    assert!(line.contains("[tuning] names no training key to search"), "{line}");

    let typo = Experiment::fixture("records = 60", &tuning("learnig_rate = 0.01 -> 0.1"));
    let line = typo.run(&fixture_plugin(), &["reconcile"]).failure(2);
    assert!(line.ends_with("tuning.learnig_rate: unknown key (did you mean learning_rate?)"), "{line}");

    let both = Experiment::fixture("records = 60", &tuning("learning_rate = 0.01 -> 0.1"));
    let line = both.run(&fixture_plugin(), &["train", "tune"]).failure(2);
    assert!(line.contains("steps `train` and `tune` both make a run"), "{line}");
}
