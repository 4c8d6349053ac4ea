//! Experiment tracking against a real MLflow server (`mlflow server` from `.venv/mlflow`, started
//! by the test on a free loopback port): a training run, read back through MLflow's own Python
//! client, equals the run folder (params, every metric point, tags, artifacts, status); a tuning
//! job is a parent run with one child per trial; a server killed mid-run costs nothing but one
//! warning, and `runner sync` completes MLflow afterwards, idempotently. The run page is
//! screenshotted in headless Chromium for the README.

// mlpipe-tracking's own test harness, shared rather than copied; this file uses part of it.
#[allow(dead_code)]
#[path = "../../core/tracking/tests/common/server.rs"]
mod mlflow_server;

use crate::util::{fixture_plugin, mlflow_python, python_json_with, target_dir, Experiment};
use mlflow_server::Server;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TRAINING: &str = "[training]\nepochs = 3\nbatch_size = 16\nmax_device_batch_size = 8\nlearning_rate = 0.05\n\
                        warmup_ratio = 0.1\nnum_threads = 1\n";

fn tracked(server: &Server, mlflow_experiment: &str, records: u32, extra: &str) -> Experiment {
    Experiment::fixture(
        &format!("records = {records}"),
        &format!(
            "{TRAINING}{extra}\n[tracking]\nmlflow_uri = {}\nmlflow_experiment = {mlflow_experiment}\n",
            server.uri()
        ),
    )
}

/// What MLflow holds for the run keyed `key`, read with MLflow's Python client.
fn mlflow_view(server: &Server, experiment: &str, key: &str) -> serde_json::Value {
    mlflow_view_with(server, experiment, key, "")
}

/// [`mlflow_view`] for a server whose artifacts are in the S3 at `endpoint`: MLflow's client
/// lists S3 itself.
fn mlflow_view_s3(server: &Server, experiment: &str, key: &str, endpoint: &str) -> serde_json::Value {
    let prelude = format!(
        "import os\nos.environ.update(MLFLOW_S3_ENDPOINT_URL={endpoint:?}, AWS_ACCESS_KEY_ID='testing', \
         AWS_SECRET_ACCESS_KEY='testing', AWS_DEFAULT_REGION='us-east-1')\n"
    );
    mlflow_view_with(server, experiment, key, &prelude)
}

fn mlflow_view_with(server: &Server, experiment: &str, key: &str, prelude: &str) -> serde_json::Value {
    let script = r#"
import json, sys
from mlflow.tracking import MlflowClient
uri, experiment, key = sys.argv[1:4]
client = MlflowClient(tracking_uri=uri)
exp = client.get_experiment_by_name(experiment)
runs = client.search_runs([exp.experiment_id], filter_string=f"tags.`mlpipe.run_key` = '{key}'")
assert len(runs) == 1, f"{len(runs)} runs keyed {key}"
run = runs[0]
history = {k: sorted((m.step, m.value) for m in client.get_metric_history(run.info.run_id, k)) for k in run.data.metrics}
def walk(path):
    out = []
    for f in client.list_artifacts(run.info.run_id, path):
        out += walk(f.path) if f.is_dir else [f.path]
    return out
children = client.search_runs([exp.experiment_id], filter_string=f"tags.`mlflow.parentRunId` = '{run.info.run_id}'")
print(json.dumps({
    "experiment_id": exp.experiment_id, "run_id": run.info.run_id, "status": run.info.status,
    "start_time": run.info.start_time, "end_time": run.info.end_time,
    "params": run.data.params, "tags": run.data.tags, "history": history, "artifacts": sorted(walk(None)),
    "children": sorted((c.data.tags.get("mlpipe.trial"), c.data.params.get("training.learning_rate"), c.info.status) for c in children),
}))
"#;
    python_json_with(
        &mlflow_python(),
        &format!("{prelude}{script}"),
        &[Path::new(server.uri()), Path::new(experiment), Path::new(key)],
    )
}

/// Asserts that MLflow's view of a model run equals its folder `model_dir` (training outputs).
fn assert_equals_folder(view: &serde_json::Value, model_dir: &Path) {
    let mut expected: std::collections::BTreeMap<String, Vec<(u64, f64)>> = Default::default();
    for line in std::fs::read_to_string(model_dir.join("metrics.jsonl")).unwrap().lines() {
        let point: serde_json::Value = serde_json::from_str(line).unwrap();
        expected
            .entry(point["name"].as_str().unwrap().to_string())
            .or_default()
            .push((point["step"].as_u64().unwrap(), point["value"].as_f64().unwrap()));
    }
    for (name, points) in &mut expected {
        points.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let seen: Vec<(u64, f64)> = serde_json::from_value(view["history"][name].clone())
            .unwrap_or_else(|_| panic!("MLflow lacks metric {name}: {}", view["history"]));
        assert_eq!(&seen, points, "metric {name}");
    }
    for file in
        ["training/model.pt", "training/weights.safetensors", "training/statistics.json", "training/curves/loss.png"]
    {
        assert!(
            view["artifacts"].as_array().unwrap().iter().any(|a| a == file),
            "artifact {file} missing: {}",
            view["artifacts"]
        );
    }
}

#[test]
fn a_training_run_in_mlflow_equals_its_run_folder() {
    let server = Server::start();
    let exp = tracked(&server, "fixture-tracking", 150, "");
    let run = exp.run(&fixture_plugin(), &[]);
    let stdout = run.ok();
    assert!(!run.stderr.contains("WARN"), "{}", run.stderr);
    let view = mlflow_view(&server, "fixture-tracking", "fixture-exp/1/tiny");
    let run_dir = exp.exp_dir("fixture-exp").join("runs/1");
    assert_equals_folder(&view, &run_dir.join("training/tiny"));
    assert_eq!(view["status"], "FINISHED");
    assert_eq!(view["params"]["training.learning_rate"], "0.05");
    assert_eq!(view["params"]["training.epochs"], "3");
    assert_eq!(view["params"]["experiment.seed"], "7");
    assert_eq!(view["tags"]["mlpipe.run_num"], "1");
    assert_eq!(view["tags"]["mlpipe.job_type"], "training");
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(run_dir.join("manifest.toml")).unwrap()).unwrap();
    assert_eq!(view["tags"]["mlpipe.plugin_sha256"], manifest["plugin_sha256"].as_str().unwrap());
    // Test scores from inference, and the report.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("inference/tiny/summary.json")).unwrap()).unwrap();
    assert_eq!(view["history"]["test:accuracy"][0][1], summary["accuracy"], "{stdout}");
    // The run's duration is the model's training, to the millisecond (it showed "0 ms" when
    // runs took the manifest's whole-second times).
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("training/tiny/statistics.json")).unwrap()).unwrap();
    let ms =
        |field: &str| chrono::DateTime::parse_from_rfc3339(stats[field].as_str().unwrap()).unwrap().timestamp_millis();
    let (start, end) = (view["start_time"].as_i64().unwrap(), view["end_time"].as_i64().unwrap());
    assert_eq!(end, ms("finished"), "MLflow's end time is the model's");
    assert!(ms("started") <= start && start < end, "start {start} within the training ({} to {end})", ms("started"));
    assert_eq!(
        view["history"]["test:expected_calibration_error"][0][1], summary["expected_calibration_error"],
        "{stdout}"
    );
    assert!(view["artifacts"].as_array().unwrap().iter().any(|a| a == "report.html"));

    // The run page in the MLflow UI, rendered by headless Chromium (shown in the README).
    let shot = target_dir().join("mlflow-run.png");
    let _ = std::fs::remove_file(&shot);
    let url = format!(
        "{}/#/experiments/{}/runs/{}",
        server.uri(),
        view["experiment_id"].as_str().unwrap(),
        view["run_id"].as_str().unwrap()
    );
    let status = Command::new("chromium")
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"])
        .args(["--virtual-time-budget=20000", "--run-all-compositor-stages-before-draw"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("chromium (scripts/setup.sh installs Debian's)");
    assert!(status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG") && png.len() > 20_000, "a blank page is ~5 kB: {} bytes", png.len());
}

#[test]
fn a_tuning_job_is_a_parent_run_with_one_child_per_trial() {
    let server = Server::start();
    let exp = tracked(
        &server,
        "fixture-tuning",
        150,
        "\n[tuning]\nstrategy = random\nmax_jobs = 3\nlearning_rate = 0.01 -> 0.2 log\n",
    );
    exp.run(&fixture_plugin(), &[]).ok();
    let view = mlflow_view(&server, "fixture-tuning", "fixture-exp/1/tiny");
    assert_eq!(view["status"], "FINISHED");
    assert_eq!(view["tags"]["mlpipe.job_type"], "tuning");
    assert_equals_folder(&view, &exp.exp_dir("fixture-exp").join("runs/1/training/tiny"));
    let trials: Vec<serde_json::Value> =
        std::fs::read_to_string(exp.exp_dir("fixture-exp").join("runs/1/tuning/trials.jsonl"))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
    let expected: Vec<serde_json::Value> = trials
        .iter()
        .map(|t| serde_json::json!([t["trial"].to_string(), t["parameters"]["learning_rate"], "FINISHED"]))
        .collect();
    assert_eq!(view["children"], serde_json::Value::Array(expected));
}

#[test]
fn a_server_killed_mid_run_costs_one_warning_and_sync_completes_mlflow() {
    let mut server = Server::start();
    let exp = tracked(&server, "fixture-outage", 600, "");
    let exp_settings = exp.settings();
    std::fs::write(&exp_settings, std::fs::read_to_string(&exp_settings).unwrap().replace("epochs = 3", "epochs = 12"))
        .unwrap();
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let child = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(&exp_settings)
        .args(["train", "infer"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stop the server once training has logged its first epoch.
    let metrics = exp.exp_dir("fixture-exp").join("runs/1/training/tiny/metrics.jsonl");
    let started = Instant::now();
    while !std::fs::read_to_string(&metrics).unwrap_or_default().contains("validation:loss") {
        assert!(started.elapsed() < Duration::from_secs(120), "training never reached its first validation");
        std::thread::sleep(Duration::from_millis(20));
    }
    server.stop();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the run must finish without its tracker:\n{stderr}");
    let warnings: Vec<&str> = stderr.lines().filter(|line| line.contains("WARN")).collect();
    assert_eq!(warnings.len(), 1, "one warning, naming the sync command:\n{stderr}");
    assert!(warnings[0].contains("runner sync"), "{}", warnings[0]);
    let model_dir = exp.exp_dir("fixture-exp").join("runs/1/training/tiny");
    assert!(model_dir.join("model.pt").is_file());

    server.restart_on_same_port();
    let sync = |args: &[&str]| -> String {
        let out =
            Command::new(env!("CARGO_BIN_EXE_runner")).arg("sync").arg(&exp_settings).args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "sync failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        stdout
    };
    sync(&["1"]);
    let view = mlflow_view(&server, "fixture-outage", "fixture-exp/1/tiny");
    assert_equals_folder(&view, &model_dir);
    assert_eq!(view["status"], "FINISHED");
    // A second sync sends nothing and duplicates nothing.
    let again = sync(&["1"]);
    assert!(again.contains("0 items sent"), "{again}");
    assert_eq!(mlflow_view(&server, "fixture-outage", "fixture-exp/1/tiny")["history"], view["history"]);
}

/// The SageMaker-managed server's ARN the SageMaker test tracks to.
const MANAGED_ARN: &str = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/mlpipe-test";

/// `tests/python/sigv4_gateway.py` on a free port: checks each request's SigV4 signature with
/// botocore and forwards valid ones to `upstream`; killed on drop.
struct Gateway {
    child: std::process::Child,
    uri: String,
    log: tempfile::NamedTempFile,
}

impl Gateway {
    fn start(upstream: &str) -> Gateway {
        let log = tempfile::NamedTempFile::new().unwrap();
        // Port 0: the gateway binds a port of its own choosing and prints it once it listens.
        let mut child = Command::new(crate::util::python())
            .arg(crate::util::workspace().join("tests/python/sigv4_gateway.py"))
            .args(["0", upstream, MANAGED_ARN, "us-east-1", "testing", "testing"])
            .arg(log.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn the SigV4 gateway");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port: u16 = line.trim().parse().unwrap_or_else(|_| panic!("the SigV4 gateway did not start: {line:?}"));
        Gateway { child, uri: format!("http://127.0.0.1:{port}"), log }
    }

    /// One entry per request: method, path, whether its signature was valid, the signed headers.
    fn requests(&self) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.log.path()).unwrap();
        text.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_sagemaker_managed_server_gets_signed_requests_and_artifacts_in_s3() {
    let moto = crate::aws::Moto::start();
    moto.boto("s3.create_bucket(Bucket='mlflow-store')\nprint(json.dumps(True))", &[]);
    let server = Server::start_with_s3_artifacts("s3://mlflow-store/runs", &moto.endpoint);
    let gateway = Gateway::start(server.uri());
    let exp = Experiment::fixture(
        "records = 150",
        &format!("{TRAINING}\n[tracking]\nmlflow_uri = {MANAGED_ARN}\nmlflow_experiment = fixture-managed\n"),
    );
    let output = Command::new(env!("CARGO_BIN_EXE_runner"))
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(exp.settings())
        .env_remove("RUST_LOG")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env("SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT", &gateway.uri)
        .env("AWS_ENDPOINT_URL_S3", &moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("spawn runner");
    let run = crate::util::Run::from_output(output);
    run.ok();
    assert!(!run.stderr.contains("WARN"), "{}", run.stderr);

    // Every request reached MLflow signed, with the ARN header signed too, and none was refused.
    let requests = gateway.requests();
    let refused: Vec<_> = requests.iter().filter(|r| r["valid"] != true).collect();
    assert!(refused.is_empty(), "refused by the SigV4 check: {refused:?}");
    assert!(requests.iter().any(|r| r["path"] == "/api/2.0/mlflow/runs/log-batch"), "{requests:?}");
    assert!(requests.iter().all(|r| r["signed"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "x-mlflow-sm-tracking-server-arn")));

    // What MLflow holds equals the run folder; the artifacts are objects in S3 that the server
    // lists (with boto3), not files it was sent.
    let view = mlflow_view_s3(&server, "fixture-managed", "fixture-exp/1/tiny", &moto.endpoint);
    let run_dir = exp.exp_dir("fixture-exp").join("runs/1");
    assert_equals_folder(&view, &run_dir.join("training/tiny"));
    assert_eq!(view["status"], "FINISHED");
    let keys =
        moto.boto("print(json.dumps([o['Key'] for o in s3.list_objects_v2(Bucket='mlflow-store')['Contents']]))", &[]);
    let run_id = view["run_id"].as_str().unwrap();
    let model = format!("runs/{}/{run_id}/artifacts/training/model.pt", view["experiment_id"].as_str().unwrap());
    assert!(keys.as_array().unwrap().iter().any(|k| k == model.as_str()), "{model} not in {keys}");
    let stored = moto.boto(
        "import hashlib\nbody = s3.get_object(Bucket='mlflow-store', Key=sys.argv[1])['Body'].read()\nprint(json.dumps(hashlib.sha256(body).hexdigest()))",
        &[Path::new(&model.replace("training/model.pt", "training/statistics.json"))],
    );
    let local = std::fs::read(run_dir.join("training/tiny/statistics.json")).unwrap();
    assert_eq!(stored.as_str().unwrap(), mlpipe_core::hash::sha256_hex(&local));
}
