//! Data-parallel training through the runner on the fixture plugin, two processes on CPU over
//! PyTorch's Gloo: the runner's own launcher, `torchrun --no-python`, and SageMaker's multi-host
//! variables with two "hosts" on loopback. Each distributed run is compared with a single-process
//! run of the same global batch (weights in Python, metrics in `statistics.json`), the replicas'
//! parameter hashes must agree, and a rank killed mid-training must fail the run promptly and
//! leave checkpoints that `--resume` continues from.

use crate::util::{fixture_plugin, python, python_json, Experiment};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Small batches on an odd-sized validation split, so shards are uneven everywhere.
const TRAINING: &str = "[training]\nepochs = 3\nbatch_size = 15\nmax_device_batch_size = 5\nlearning_rate = 0.05\nwarmup_ratio = 0.1\nnum_threads = 1\ndist_timeout_secs = 20\n";

/// Largest difference allowed between a distributed run and the single-process run: the gradient
/// sums are added in another order (two partial sums, then their sum), so they agree to float
/// rounding, not bit for bit.
const TOLERANCE: f64 = 1e-4;

fn experiment(records: usize, extra: &str) -> Experiment {
    let exp = Experiment::fixture(&format!("records = {records}"), &format!("{TRAINING}{extra}"));
    let stdout = exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok().to_string();
    let validation: usize =
        regex::Regex::new(r"validation (\d+)").unwrap().captures(&stdout).unwrap()[1].parse().unwrap();
    assert_eq!(validation % 2, 1, "the validation split must be odd-sized for this test: {stdout}");
    exp
}

fn run_dir(exp: &Experiment, run: u64) -> PathBuf {
    exp.exp_dir("fixture-exp").join(format!("runs/{run}"))
}

fn manifest(exp: &Experiment, run: u64) -> toml::Value {
    toml::from_str(&std::fs::read_to_string(run_dir(exp, run).join("manifest.toml")).unwrap()).unwrap()
}

fn statistics(exp: &Experiment, run: u64) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(run_dir(exp, run).join("training/tiny/statistics.json")).unwrap()).unwrap()
}

/// Asserts that run `dist` trained like the single-process run `single`: every epoch's train and
/// validation metrics, the best epoch, and (in Python, from the safetensors files) every weight.
fn assert_same_training(exp: &Experiment, single: u64, dist: u64) {
    let (a, b) = (statistics(exp, single), statistics(exp, dist));
    assert_eq!(a["best_epoch"], b["best_epoch"]);
    let (ha, hb) = (a["history"].as_array().unwrap(), b["history"].as_array().unwrap());
    assert_eq!(ha.len(), hb.len());
    for (ea, eb) in ha.iter().zip(hb) {
        for split in ["train", "validation"] {
            for metric in ["loss", "accuracy", "macro_f1", "weighted_f1"] {
                let (x, y) = (ea[split][metric].as_f64().unwrap(), eb[split][metric].as_f64().unwrap());
                assert!(
                    (x - y).abs() <= TOLERANCE,
                    "epoch {}: {split} {metric}: single {x} vs distributed {y}",
                    ea["epoch"]
                );
            }
        }
    }
    let weights = |run: u64| run_dir(exp, run).join("training/tiny/weights.safetensors");
    let diff = python_json(
        r#"
import json, sys
from safetensors.torch import load_file
a, b = load_file(sys.argv[1]), load_file(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
print(json.dumps({"max_abs_diff": max(float((a[k] - b[k]).abs().max()) for k in a), "tensors": len(a)}))
"#,
        &[&weights(single), &weights(dist)],
    );
    assert!(diff["tensors"].as_u64().unwrap() > 0);
    assert!(diff["max_abs_diff"].as_f64().unwrap() <= TOLERANCE, "weights differ: {diff}");
}

/// Asserts that `run` was trained by two Gloo replicas whose parameters hashed the same.
fn assert_two_identical_replicas(exp: &Experiment, run: u64, stdout: &str) {
    let manifest = manifest(exp, run);
    assert_eq!(manifest["world_size"].as_integer(), Some(2), "{manifest}");
    assert_eq!(manifest["dist_backend"].as_str(), Some("gloo"));
    let sha = manifest["results"]["tiny"]["replicas_sha256"].as_str().unwrap();
    assert_eq!(sha.len(), 64);
    assert!(stdout.contains(&format!("2 replicas hold bit-identical parameters (sha256 {sha})")), "{stdout}");
}

/// Trains run 1 in one process and run 2 with two replicas from the runner's own launcher, asserts
/// that they trained alike, and returns run 2's stdout.
fn one_process_then_two_replicas(exp: &Experiment) -> String {
    exp.run(&fixture_plugin(), &["train"]).ok();
    let run = exp.run(
        &fixture_plugin(),
        &["train", "--set", "training.use_distributed=true", "--set", "training.num_processes=2"],
    );
    let stdout = run.ok().to_string();
    assert_two_identical_replicas(exp, 2, &stdout);
    assert_same_training(exp, 1, 2);
    stdout
}

#[test]
fn two_gloo_replicas_train_exactly_like_one_process_on_the_global_batch() {
    let exp = experiment(157, "");
    let stdout = one_process_then_two_replicas(&exp);
    assert!(stdout.contains("starting 2 worker(s) on this host"), "{stdout}");
    assert!(stdout.contains("train: run 2 finished"), "{stdout}");
    // Only rank 0 writes: one metrics log, one set of metric lines on stdout.
    let epochs_logged = stdout.lines().filter(|line| line.contains(" validation:accuracy=")).count();
    assert_eq!(epochs_logged, 3, "{stdout}");
    // The steps after train run on the trained run: infer evaluates run 2.
    let infer = exp.run(&fixture_plugin(), &["infer", "--run", "2"]);
    infer.ok();
}

#[test]
fn two_replicas_with_the_balanced_sampler_and_a_weighted_smoothed_loss_train_like_one_process() {
    // Every replica draws the same balanced epoch and divides by the whole batch's summed weights.
    let exp = experiment(157, "sampler = balanced\nclass_weighting = sqrt\nlabel_smoothing = 0.1\n");
    one_process_then_two_replicas(&exp);
    assert!(statistics(&exp, 2)["class_weights"].as_array().is_some_and(|w| w.len() == 3));
}

#[test]
fn two_replicas_of_a_dropout_model_train_deterministically() {
    // Each replica draws the masks of its own shard (seeded by seed, step and the shard's first
    // row), so the step is not the single-process one; two distributed runs are bit-identical.
    let exp = Experiment::fixture("records = 157\ntiny_dropout = 0.5", TRAINING);
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let distributed = ["train", "--set", "training.use_distributed=true", "--set", "training.num_processes=2"];
    for run in 1..=2 {
        let stdout = exp.run(&fixture_plugin(), &distributed).ok().to_string();
        assert_two_identical_replicas(&exp, run, &stdout);
    }
    let file = |run: u64, name: &str| std::fs::read(run_dir(&exp, run).join("training/tiny").join(name)).unwrap();
    assert!(file(1, "weights.safetensors") == file(2, "weights.safetensors"), "the two runs' weights differ");
    let metrics = |run: u64| -> Vec<String> {
        String::from_utf8(file(run, "metrics.jsonl"))
            .unwrap()
            .lines()
            .filter(|line| !line.contains("samples_per_second"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(metrics(1), metrics(2));
    assert_eq!(statistics(&exp, 1)["history"], statistics(&exp, 2)["history"]);
}

#[test]
fn torchrun_launches_the_runner_as_two_workers() {
    let exp = experiment(157, "");
    exp.run(&fixture_plugin(), &["train"]).ok(); // run 1: one process
    let torchrun = python().parent().unwrap().join("torchrun");
    let output = Command::new(&torchrun)
        .args(["--nproc-per-node", "2", "--master-addr", "127.0.0.1", "--master-port"])
        .arg(free_port().to_string())
        .args(["--no-python", env!("CARGO_BIN_EXE_runner"), "--plugin"])
        .arg(fixture_plugin())
        .arg(exp.settings())
        .arg("train")
        .env_remove("RUST_LOG")
        .output()
        .expect("spawn torchrun");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "torchrun failed\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert_two_identical_replicas(&exp, 2, &stdout);
    assert_same_training(&exp, 1, 2);
}

#[test]
fn sagemaker_hosts_map_to_ranks_across_two_launchers() {
    // Two "hosts" on one machine: SM_HOSTS names them, the first serves the store.
    let exp = experiment(157, "");
    exp.run(&fixture_plugin(), &["train"]).ok(); // run 1: one process
    let port = free_port().to_string();
    let host = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_runner"))
            .arg("--plugin")
            .arg(fixture_plugin())
            .arg(exp.settings())
            .args(["train", "--set", "training.use_distributed=true", "--set", "training.num_processes=1"])
            .env("SM_HOSTS", r#"["127.0.0.1","localhost"]"#)
            .env("SM_CURRENT_HOST", name)
            .env("SM_NUM_GPUS", "0")
            .env("MASTER_PORT", &port)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Both pipes are drained at once: a host blocked on a full pipe would stall the other.
    let (first, second) = (host("127.0.0.1"), host("localhost"));
    let second = std::thread::spawn(move || second.wait_with_output().unwrap());
    let first = first.wait_with_output().unwrap();
    let second = second.join().unwrap();
    let text = |out: &std::process::Output| {
        format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    assert!(first.status.success() && second.status.success(), "host 1:\n{}\nhost 2:\n{}", text(&first), text(&second));
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(stdout.contains("ranks 0..0 of 2 (store 127.0.0.1:"), "{stdout}");
    assert!(String::from_utf8_lossy(&second.stdout).contains("ranks 1..1 of 2"), "{}", text(&second));
    assert_two_identical_replicas(&exp, 2, &stdout);
    assert_same_training(&exp, 1, 2);
}

#[test]
fn a_killed_rank_fails_the_run_promptly_and_the_run_resumes() {
    let extra = "use_distributed = true\nnum_processes = 2\ncheckpoint_every_steps = 5\n";
    let exp = experiment(607, extra);
    let settings = std::fs::read_to_string(exp.settings()).unwrap().replace("epochs = 3", "epochs = 6");
    std::fs::write(exp.settings(), settings).unwrap();
    let mut launcher = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(exp.settings())
        .arg("train")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for a mid-epoch checkpoint of the second epoch or later, then kill rank 1.
    let state = run_dir(&exp, 1).join("training/tiny/checkpoints/state.toml");
    let mid_epoch = regex::Regex::new(r"(?m)^epoch = [1-9]\d*$[\s\S]*^batch = [1-9]").unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    while !std::fs::read_to_string(&state).is_ok_and(|text| mid_epoch.is_match(&text)) {
        assert!(Instant::now() < deadline, "no mid-epoch checkpoint appeared");
        assert!(launcher.try_wait().unwrap().is_none(), "the run ended before a rank could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    let rank1 = worker_with_rank(&launcher, 1).expect("rank 1's worker process");
    let killed = Instant::now();
    assert!(Command::new("kill").args(["-KILL", &rank1.to_string()]).status().unwrap().success());
    let output = wait_at_most(launcher, Duration::from_secs(120));
    let waited = killed.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let error: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(
        error[0].contains("rank 1 of 2 was killed by signal 9; the other workers were stopped")
            && error[0].contains("train --resume 1"),
        "{}",
        error[0]
    );
    // Within the 20 s dist_timeout_secs: a dead peer's socket closes and the launcher sees the
    // signal, so nothing waits for a timeout.
    println!("the launcher exited {:.1} s after rank 1 was killed", waited.as_secs_f64());
    assert!(waited < Duration::from_secs(20), "{waited:?}: the failure waited for the timeout");
    assert!(!run_dir(&exp, 1).join("training/tiny/statistics.json").exists());

    let resumed = exp.run(&fixture_plugin(), &["train", "--resume", "1"]);
    let stdout = resumed.ok();
    assert!(regex::Regex::new(r"resumed at epoch \d+ step \d+").unwrap().is_match(stdout), "{stdout}");
    assert_two_identical_replicas(&exp, 1, stdout);
    // The resumed run ends where an uninterrupted single-process run does.
    exp.run(&fixture_plugin(), &["train", "--set", "training.use_distributed=false"]).ok();
    assert_same_training(&exp, 2, 1);
}

#[test]
fn a_stalled_rank_makes_the_others_time_out_instead_of_hanging() {
    let extra = "use_distributed = true\nnum_processes = 2\n";
    let exp = experiment(607, extra);
    let settings =
        std::fs::read_to_string(exp.settings()).unwrap().replace("dist_timeout_secs = 20", "dist_timeout_secs = 3");
    std::fs::write(exp.settings(), settings).unwrap();
    let launcher = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(exp.settings())
        .arg("train")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Freeze rank 1 as soon as the first epoch's checkpoint exists: it neither works nor dies.
    let state = run_dir(&exp, 1).join("training/tiny/checkpoints/state.toml");
    let deadline = Instant::now() + Duration::from_secs(180);
    while !state.exists() {
        assert!(Instant::now() < deadline, "no checkpoint appeared");
        std::thread::sleep(Duration::from_millis(5));
    }
    let rank1 = worker_with_rank(&launcher, 1).expect("rank 1's worker process");
    assert!(Command::new("kill").args(["-STOP", &rank1.to_string()]).status().unwrap().success());
    let stalled = Instant::now();
    let output = wait_at_most(launcher, Duration::from_secs(120));
    let waited = stalled.elapsed();
    println!("the launcher exited {:.1} s after rank 1 stalled (timeout 3 s)", waited.as_secs_f64());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let rank0: Vec<&str> =
        stderr.lines().filter(|line| line.starts_with("[rank 0] error: distributed training:")).collect();
    assert_eq!(rank0.len(), 1, "rank 0 must report its timed-out collective:\n{stderr}");
    // Gloo words a timeout by the operation that was waiting: "Operation timed out!" from a TCP
    // pair, "Timed out waiting 3000ms for recv operation" from an unbound buffer.
    assert!(
        rank0[0].contains("Operation timed out!") || rank0[0].contains("Timed out waiting 3000ms"),
        "not a timeout: {}",
        rank0[0]
    );
    // Rank 0 gives up after the 3 s timeout; the launcher stops the frozen rank 5 s (its grace)
    // after that. Not sooner than the timeout, and not much later than both (10 s of slack).
    assert!(
        waited >= Duration::from_secs(3) && waited < Duration::from_secs(3 + 5 + 10),
        "{waited:?} after the stall, with a 3 s timeout and a 5 s grace"
    );
    let error: Vec<&str> = stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    assert_eq!(error.len(), 1, "{stderr}");
    assert!(error[0].contains("rank 0 of 2 exited with status 1; the other workers were stopped"), "{}", error[0]);
    assert!(worker_with_rank_alive(rank1).is_none(), "the stalled worker was left behind");
}

/// `Some(pid)` while process `pid` exists (and is not a zombie).
fn worker_with_rank_alive(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let state = stat.rsplit_once(')')?.1.split_whitespace().next()?;
    (state != "Z").then_some(pid)
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port()
}

/// The pid of the launcher's child whose environment says `RANK=<rank>`.
fn worker_with_rank(launcher: &Child, rank: usize) -> Option<u32> {
    let parent = launcher.id();
    let want = format!("RANK={rank}");
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // Fields after the parenthesised command name: state, ppid, ...
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if ppid != Some(parent) {
            continue;
        }
        let environ = std::fs::read(Path::new("/proc").join(pid.to_string()).join("environ")).unwrap_or_default();
        if environ.split(|&b| b == 0).any(|var| var == want.as_bytes()) {
            return Some(pid);
        }
    }
    None
}

/// Waits for `child`, killing it (and failing) if it takes longer than `limit`.
fn wait_at_most(mut child: Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the launcher did not exit within {limit:?} of a rank's death");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}
