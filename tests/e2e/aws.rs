//! The AWS backend through the runner against a real AWS API emulator (moto_server on loopback,
//! started per test): the whole pipeline with `root = s3://bucket/exp`, compared file by file and
//! metric by metric with the same job on local disk; and `training.backend = sagemaker`, whose
//! `--dry-run` requests and real CreateTrainingJob calls are checked against what moto recorded.

use crate::util::{fixture_plugin, kill_after_a_mid_epoch_checkpoint, python_json, without_timing, Experiment, Run};
use std::path::Path;
use std::process::{Command, Stdio};

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

#[allow(dead_code)]
#[path = "../../runner/backends/aws/tests/common/moto.rs"]
mod moto_server;

/// A running moto_server, stopped on drop; the e2e tests add boto3 and runner calls to it.
pub(crate) use moto_server::Moto;

impl Moto {
    /// Runs boto3 against this server: `script` sees `s3` and `sm` clients and `argv`.
    pub(crate) fn boto(&self, script: &str, args: &[&Path]) -> serde_json::Value {
        let prelude = format!(
            "import boto3, json, sys\nkw = dict(endpoint_url={:?}, region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\ns3 = boto3.client('s3', **kw)\nsm = boto3.client('sagemaker', **kw)\n",
            self.endpoint
        );
        python_json(&format!("{prelude}{script}"), args)
    }

    /// Runs the runner with the SDK pointed at this server.
    fn runner(&self, exp: &Experiment, args: &[&str]) -> Run {
        let settings = exp.settings();
        let plugin = fixture_plugin();
        let mut all: Vec<&std::ffi::OsStr> = vec!["--plugin".as_ref(), plugin.as_os_str(), settings.as_os_str()];
        all.extend(args.iter().map(std::ffi::OsStr::new));
        self.command(&all)
    }

    /// Runs the runner with `args` as given (a subcommand such as `reproduce`), the SDK pointed at
    /// this server.
    fn command(&self, args: &[&std::ffi::OsStr]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_runner"))
            .args(args)
            .env_remove("RUST_LOG")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("MLPIPE_AWS_MAX_ATTEMPTS", "1")
            .output()
            .expect("spawn runner");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

fn fixture_settings(root: &str, extra: &str) -> String {
    format!(
        "[experiment]\nname = fixture-exp\nroot = {root}\nmodel_names = tiny\nseed = 7\n\n[data]\nvalidation_fraction = 0.2\ntest_fraction = 0.25\n\n[plugin]\nrecords = 150\n\n{TRAINING}{extra}"
    )
}

#[test]
fn the_pipeline_on_an_s3_root_leaves_the_same_layout_and_metrics_as_on_local_disk() {
    let moto = Moto::start();
    moto.boto("s3.create_bucket(Bucket='mlpipe-test')\nprint(json.dumps({}))", &[]);
    let s3 = Experiment::new(&fixture_settings("s3://mlpipe-test/team/exp", ""));
    let local = Experiment::new(&fixture_settings("./experiments", ""));
    let s3_run = moto.runner(&s3, &["all"]);
    let stdout = s3_run.ok();
    assert!(stdout.contains("s3://mlpipe-test/team/exp/fixture-exp/runs/1"), "{stdout}");
    local.run(&fixture_plugin(), &["all"]).ok();

    let listed = moto.boto(
        "keys = []\nfor page in s3.get_paginator('list_objects_v2').paginate(Bucket='mlpipe-test', Prefix='team/exp/'):\n    keys += [o['Key'][len('team/exp/'):] for o in page.get('Contents', [])]\nprint(json.dumps(sorted(keys)))",
        &[],
    );
    let s3_keys: Vec<String> = serde_json::from_value(listed).unwrap();
    let root = local.dir.path().join("experiments");
    let mut local_keys = Vec::new();
    walk(&root, &root, &mut local_keys);
    local_keys.sort();
    assert_eq!(s3_keys, local_keys, "the S3 layout differs from the local one");
    // The prepared-data cache lives in the bucket too, and a second experiment there reuses it.
    assert!(
        s3_keys.iter().any(|key| key.starts_with(".mlpipe-cache/prepared/") && key.ends_with("/entry.toml")),
        "{s3_keys:?}"
    );
    let other = Experiment::new(
        &fixture_settings("s3://mlpipe-test/team/exp", "").replace("name = fixture-exp", "name = other-exp"),
    );
    let reused = moto.runner(&other, &["reconcile", "prepare"]);
    assert!(reused.ok().contains("prepare: tiny: reused the cached inputs"), "{}", reused.stdout);

    // `runner reproduce` re-creates run 1 from the bucket alone, bit for bit.
    let reproduced = moto.command(&["reproduce".as_ref(), s3.settings().as_os_str(), "1".as_ref()]);
    assert!(reproduced.ok().contains("identical: run 2 reproduces run 1"), "{}", reproduced.stdout);

    // Same numbers: the training statistics and the inference summary, timing fields aside.
    for key in ["fixture-exp/runs/1/training/tiny/statistics.json", "fixture-exp/runs/1/inference/tiny/summary.json"] {
        if !local_keys.iter().any(|k| k == key) {
            panic!("{key} is not in the local layout: {local_keys:?}");
        }
        let from_s3 = moto.boto(
            &format!("print(s3.get_object(Bucket='mlpipe-test', Key='team/exp/{key}')['Body'].read().decode())"),
            &[],
        );
        let from_disk: serde_json::Value = serde_json::from_slice(&std::fs::read(root.join(key)).unwrap()).unwrap();
        assert_eq!(without_timing(from_s3), without_timing(from_disk), "{key}");
    }
}

#[test]
fn a_missing_bucket_fails_before_any_step_naming_the_root() {
    let moto = Moto::start();
    let exp = Experiment::new(&fixture_settings("s3://no-such-bucket/exp", ""));
    let error = moto.runner(&exp, &["reconcile"]).failure(1);
    assert!(error.contains("s3://no-such-bucket") && error.contains("does not exist"), "{error}");
}

fn walk(root: &Path, dir: &Path, keys: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(root, &path, keys);
        } else {
            keys.push(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
        }
    }
}

const SAGEMAKER: &str = "[sagemaker]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/mlpipe\nimage_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1\ninstance_type = ml.g5.xlarge\n";

/// Every JSON document a dry run printed, in order.
fn json_documents(stdout: &str) -> Vec<serde_json::Value> {
    serde_json::Deserializer::from_str(stdout).into_iter::<serde_json::Value>().map(|doc| doc.unwrap()).collect()
}

#[test]
fn dry_run_prints_the_validated_requests_and_sends_nothing() {
    let moto = Moto::start();
    moto.boto("s3.create_bucket(Bucket='mlpipe-test')\nprint(json.dumps({}))", &[]);
    let exp = Experiment::new(
        &fixture_settings("s3://mlpipe-test/exp", SAGEMAKER)
            .replace("[training]\n", "[training]\nbackend = sagemaker\n"),
    );
    let run = moto.runner(&exp, &["all", "--dry-run"]);
    let docs = json_documents(run.ok());
    assert_eq!(docs.len(), 4, "reconcile, prepare, one training job, infer:\n{}", run.stdout);
    let arguments: Vec<&serde_json::Value> =
        [0, 1, 3].iter().map(|&i| &docs[i]["AppSpecification"]["ContainerArguments"]).collect();
    assert_eq!(arguments[0], &serde_json::json!(["reconcile"]));
    assert_eq!(arguments[1], &serde_json::json!(["prepare"]));
    assert_eq!(arguments[2][0], "infer");
    let train = &docs[2];
    assert!(train["TrainingJobName"].as_str().unwrap().starts_with("fixture-exp-r1-tiny-"), "{train}");
    assert_eq!(
        train["AlgorithmSpecification"]["TrainingImage"],
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/mlpipe:1"
    );
    assert_eq!(train["AlgorithmSpecification"]["MetricDefinitions"].as_array().unwrap().len(), 10);
    assert_eq!(train["Environment"]["USE_SMDEBUG"], "0");
    assert_eq!(train["ProfilerConfig"]["DisableProfiler"], true);
    assert_eq!(train["ResourceConfig"]["InstanceType"], "ml.g5.xlarge");
    assert_eq!(train["HyperParameters"]["mlpipe.model"], "tiny");
    assert_eq!(train["OutputDataConfig"]["S3OutputPath"], "s3://mlpipe-test/exp/fixture-exp/runs/1/sagemaker/tiny/");
    let channels: Vec<(String, String)> = train["InputDataConfig"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["ChannelName"].as_str().unwrap().into(),
                c["DataSource"]["S3DataSource"]["S3Uri"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        channels.contains(&("config".into(), "s3://mlpipe-test/exp/fixture-exp/runs/1/settings.ini".into())),
        "{channels:?}"
    );
    assert!(channels.contains(&("data".into(), "s3://mlpipe-test/exp/fixture-exp/data/".into())), "{channels:?}");
    // Nothing was written and no job exists.
    let state = moto.boto(
        "print(json.dumps({'objects': s3.list_objects_v2(Bucket='mlpipe-test').get('KeyCount', 0), 'jobs': len(sm.list_training_jobs()['TrainingJobSummaries'])}))",
        &[],
    );
    assert_eq!(state, serde_json::json!({"objects": 0, "jobs": 0}));
}

#[test]
fn a_sagemaker_training_job_is_created_as_requested_and_a_job_without_artifacts_fails_clearly() {
    let moto = Moto::start();
    // The data steps locally onto the S3 root, then training as a SageMaker job.
    let exp = sagemaker_experiment(&moto, "");
    let run = moto.runner(&exp, &["train"]);
    // moto marks a job Completed at once without running the image, so there is no model.tar.gz.
    let error = run.failure(1);
    assert!(run.stdout.contains("SageMaker training job fixture-exp-r1-tiny-"), "{}", run.stdout);
    assert!(error.contains("model.tar.gz"), "{error}");
    let job = moto.boto(
        "name = sm.list_training_jobs()['TrainingJobSummaries'][0]['TrainingJobName']\nd = sm.describe_training_job(TrainingJobName=name)\nprint(json.dumps({'role': d['RoleArn'], 'image': d['AlgorithmSpecification']['TrainingImage'], 'channels': sorted((c['ChannelName'], c['DataSource']['S3DataSource']['S3Uri']) for c in d['InputDataConfig']), 'output': d['OutputDataConfig']['S3OutputPath'], 'hyper': d['HyperParameters'], 'instance': d['ResourceConfig']['InstanceType'], 'status': d['TrainingJobStatus']}))",
        &[],
    );
    assert_eq!(job["role"], "arn:aws:iam::123456789012:role/mlpipe");
    assert_eq!(job["instance"], "ml.g5.xlarge");
    assert_eq!(job["hyper"]["mlpipe.model"], "tiny");
    assert_eq!(job["hyper"]["mlpipe.run"], "1");
    assert_eq!(job["output"], "s3://mlpipe-test/exp/fixture-exp/runs/1/sagemaker/tiny/");
    assert_eq!(
        job["channels"],
        serde_json::json!([
            ["config", "s3://mlpipe-test/exp/fixture-exp/runs/1/settings.ini"],
            ["data", "s3://mlpipe-test/exp/fixture-exp/data/"]
        ])
    );
    // The run's settings snapshot, which the `config` channel names, is really there.
    let snapshot = moto.boto(
        "print(json.dumps(s3.get_object(Bucket='mlpipe-test', Key='exp/fixture-exp/runs/1/settings.ini')['Body'].read().decode()))",
        &[],
    );
    assert!(snapshot.as_str().unwrap().contains("backend = sagemaker"), "{snapshot}");
}

/// `model/` of a SageMaker training job run through the container entry point on a local copy
/// of the fixture experiment, packed as SageMaker packs it: the experiment (which holds the
/// archive), the job's `/opt/ml` and `model.tar.gz`.
fn container_model_archive() -> (Experiment, tempfile::TempDir, std::path::PathBuf) {
    let local = Experiment::new(&fixture_settings("./experiments", SAGEMAKER));
    local.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let opt_ml = fake_opt_ml(&local, r#"{"mlpipe.model": "tiny", "mlpipe.run": "1"}"#);
    Run::from_output(container_command(opt_ml.path(), &["train"]).output().unwrap()).ok();
    let archive = local.dir.path().join("model.tar.gz");
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(opt_ml.path().join("model"))
        .arg(".")
        .status()
        .unwrap();
    assert!(status.success());
    (local, opt_ml, archive)
}

/// The fixture experiment on `s3://mlpipe-test/exp` (bucket created here) with
/// `training.backend = sagemaker` and `extra` settings, reconciled and prepared onto the bucket.
fn sagemaker_experiment(moto: &Moto, extra: &str) -> Experiment {
    moto.boto("s3.create_bucket(Bucket='mlpipe-test')\nprint(json.dumps({}))", &[]);
    let exp = Experiment::new(
        &fixture_settings("s3://mlpipe-test/exp", &format!("{SAGEMAKER}{extra}"))
            .replace("[training]\n", "[training]\nbackend = sagemaker\n"),
    );
    moto.runner(&exp, &["reconcile", "prepare", "--set", "training.backend=local"]).ok();
    exp
}

/// Run 1's `training/tiny/<file>` from the bucket, read through boto3.
fn fetched_model_file(moto: &Moto, file: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy");
    moto.boto(
        &format!("s3.download_file('mlpipe-test', 'exp/fixture-exp/runs/1/training/tiny/{file}', sys.argv[1])\nprint(json.dumps(None))"),
        &[&copy],
    );
    std::fs::read(&copy).unwrap()
}

#[test]
fn a_sagemaker_training_job_brings_its_model_back_and_infer_runs_on_it() {
    // The archive a real job leaves: the container entry point trained on the same data.
    let (_local, opt_ml, archive) = container_model_archive();
    let moto = Moto::start_with_model_archive(&archive);
    let exp = sagemaker_experiment(&moto, "");
    let trained = moto.runner(&exp, &["train"]);
    let stdout = trained.ok();
    assert!(stdout.contains("SageMaker training job fixture-exp-r1-tiny-"), "{stdout}");

    // Every file of the job's model/ folder is now in the run's model folder, byte for byte.
    let model = opt_ml.path().join("model");
    let mut files = Vec::new();
    walk(&model, &model, &mut files);
    assert!(files.iter().any(|f| f == "model.pt") && files.iter().any(|f| f == "weights.safetensors"), "{files:?}");
    for file in &files {
        assert!(
            fetched_model_file(&moto, file) == std::fs::read(model.join(file)).unwrap(),
            "{file} differs from the job's"
        );
    }

    // Local inference on the fetched run.
    let inferred = moto.runner(&exp, &["infer", "--run", "1", "--set", "training.backend=local"]);
    inferred.ok();
    let summary = moto.boto(
        "print(s3.get_object(Bucket='mlpipe-test', Key='exp/fixture-exp/runs/1/inference/tiny/summary.json')['Body'].read().decode())",
        &[],
    );
    let test_rows = moto.boto(
        "import io, pandas\nbody = s3.get_object(Bucket='mlpipe-test', Key='exp/fixture-exp/data/prepared/test.parquet')['Body'].read()\nprint(len(pandas.read_parquet(io.BytesIO(body))))",
        &[],
    );
    assert_eq!(summary["examples"], test_rows, "{summary}");
    assert!(summary["accuracy"].as_f64().unwrap() > 0.0, "{summary}");
}

#[test]
fn a_sagemaker_tuning_job_brings_its_best_trials_model_back() {
    // moto's tuning job (tests/python/moto_sagemaker.py) runs two trials; the second is the best.
    let (_local, opt_ml, archive) = container_model_archive();
    let moto = Moto::start_with_model_archive(&archive);
    let tuning = "[tuning]\nstrategy = random\nmax_jobs = 2\nmax_parallel_jobs = 2\nlearning_rate = 0.01 -> 0.1\n";
    let exp = sagemaker_experiment(&moto, tuning);
    let tuned = moto.runner(&exp, &["tune"]);
    let stdout = tuned.ok();
    assert!(stdout.contains("best trial 2 of 2 (learning_rate=0.1)"), "{stdout}");

    // The best trial's archive, not the first one's, is in the run's model folder.
    let best = moto.boto(
        "print(json.dumps(sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=sm.list_hyper_parameter_tuning_jobs()['HyperParameterTuningJobSummaries'][0]['HyperParameterTuningJobName'])['BestTrainingJob']['TrainingJobName']))",
        &[],
    );
    let best = best.as_str().unwrap();
    assert!(best.ends_with("-002-00000002"), "{best}");
    assert_eq!(String::from_utf8(fetched_model_file(&moto, "job.txt")).unwrap(), best);
    assert!(
        fetched_model_file(&moto, "weights.safetensors")
            == std::fs::read(opt_ml.path().join("model/weights.safetensors")).unwrap()
    );
    moto.runner(&exp, &["infer", "--run", "1", "--set", "training.backend=local"]).ok();
}

#[test]
fn a_model_archive_with_an_entry_leaving_the_run_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("model.tar.gz");
    python_json(
        "import io, json, sys, tarfile\nwith tarfile.open(sys.argv[1], 'w:gz') as t:\n    for name in ['model.pt', '../../evil.sh']:\n        info = tarfile.TarInfo(name)\n        info.size = 3\n        t.addfile(info, io.BytesIO(b'abc'))\nprint(json.dumps(None))",
        &[&archive],
    );
    let moto = Moto::start_with_model_archive(&archive);
    let exp = sagemaker_experiment(&moto, "");
    let run = moto.runner(&exp, &["train"]);
    let error = run.failure(1);
    assert!(
        regex::Regex::new(r#"^error: s3://mlpipe-test/exp/fixture-exp/runs/1/sagemaker/tiny/fixture-exp-r1-tiny-[^/]+/output/model.tar.gz: entry "../../evil.sh" contains `..`; the archive is refused$"#)
            .unwrap()
            .is_match(&error),
        "{error}"
    );
    let stored = moto.boto(
        "print(json.dumps([o['Key'] for o in s3.list_objects_v2(Bucket='mlpipe-test', Prefix='exp/fixture-exp/runs/1/training/').get('Contents', [])]))",
        &[],
    );
    assert_eq!(stored, serde_json::json!([]), "nothing of a refused archive is stored");
}

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

#[test]
fn the_runner_trains_through_a_fake_opt_ml_and_writes_the_failure_file_on_error() {
    // Data made by the real pipeline, then the folder a SageMaker training job would see.
    let exp = Experiment::new(&fixture_settings("./experiments", SAGEMAKER));
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let opt_ml = fake_opt_ml(&exp, r#"{"mlpipe.model": "\"tiny\"", "mlpipe.run": "1", "training.epochs": "3"}"#);
    let ml = opt_ml.path();
    let container = |args: &[&str]| Run::from_output(container_command(ml, args).output().unwrap());
    let run = container(&["train"]);
    run.ok();
    for file in ["model.pt", "weights.safetensors", "input_keys.json", "metrics.jsonl", "statistics.json"] {
        assert!(ml.join("model").join(file).is_file(), "{file} missing from /opt/ml/model: {}", run.stdout);
    }
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ml.join("model/statistics.json")).unwrap()).unwrap();
    assert_eq!(stats["history"].as_array().unwrap().len(), 3, "the hyperparameter training.epochs=3 applies");
    assert!(!ml.join("output/failure").exists());

    std::fs::write(
        ml.join("input/config/hyperparameters.json"),
        r#"{"mlpipe.model": "tiny", "training.epochs": "zero"}"#,
    )
    .unwrap();
    let failed = container(&["train"]);
    let error = failed.failure(2);
    let written = std::fs::read_to_string(ml.join("output/failure")).unwrap();
    assert!(error.contains("training.epochs") && error.contains("zero"), "{error}");
    assert_eq!(format!("error: {}", written.trim_end()), error);
}

/// A folder laid out as SageMaker lays out `/opt/ml` for a training job of `exp` (its settings and
/// data snapshot as channels) with `hyperparameters`.
fn fake_opt_ml(exp: &Experiment, hyperparameters: &str) -> tempfile::TempDir {
    let opt_ml = tempfile::tempdir().unwrap();
    let ml = opt_ml.path();
    std::fs::create_dir_all(ml.join("input/config")).unwrap();
    std::fs::write(ml.join("input/config/hyperparameters.json"), hyperparameters).unwrap();
    std::fs::write(ml.join("input/config/resourceconfig.json"), r#"{"current_host": "algo-1", "hosts": ["algo-1"]}"#)
        .unwrap();
    std::fs::create_dir_all(ml.join("input/data/config")).unwrap();
    std::fs::copy(exp.settings(), ml.join("input/data/config/settings.ini")).unwrap();
    copy_tree(&exp.exp_dir("fixture-exp").join("data"), &ml.join("input/data/data"));
    opt_ml
}

/// `runner --container <args>` on the fake `/opt/ml` at `ml`, as the image's entry point runs it.
fn container_command(ml: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
    command
        .args(["--plugin"])
        .arg(fixture_plugin())
        .arg("--container")
        .args(args)
        .env("MLPIPE_OPT_ML", ml)
        .env_remove("RUST_LOG");
    command
}

#[test]
fn a_spot_job_killed_mid_training_resumes_to_the_uninterrupted_result() {
    let exp = Experiment::new(&fixture_settings("./experiments", SAGEMAKER).replace("records = 150", "records = 600"));
    exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok();
    let hyperparameters = r#"{"mlpipe.model": "tiny", "mlpipe.run": "1", "training.epochs": "8", "training.checkpoint_every_steps": "5"}"#;
    let whole = fake_opt_ml(&exp, hyperparameters);
    Run::from_output(container_command(whole.path(), &["train"]).output().unwrap()).ok();

    // The interrupted job: SIGKILL (as a reclaimed spot instance) right after a mid-epoch checkpoint.
    let spot = fake_opt_ml(&exp, hyperparameters);
    let state = spot.path().join("checkpoints/experiments/fixture-exp/runs/1/training/tiny/checkpoints/state.toml");
    let mut child =
        container_command(spot.path(), &["train"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    kill_after_a_mid_epoch_checkpoint(&mut child, &state);
    assert!(!spot.path().join("model/statistics.json").exists(), "killed before finishing");

    // SageMaker restarts the job on the same checkpoints: it resumes and ends where the
    // uninterrupted job did, metric for metric and weight for weight.
    let restarted = Run::from_output(container_command(spot.path(), &["train"]).output().unwrap());
    let stdout = restarted.ok();
    assert!(regex::Regex::new(r"resumed at epoch \d+ step \d+ \(batch [1-9]").unwrap().is_match(stdout), "{stdout}");
    let metrics = |ml: &Path| -> Vec<String> {
        let text = std::fs::read_to_string(ml.join("model/metrics.jsonl")).unwrap();
        text.lines().filter(|line| !line.contains("samples_per_second")).map(String::from).collect()
    };
    assert_eq!(metrics(spot.path()), metrics(whole.path()));
    let weights = |ml: &Path| std::fs::read(ml.join("model/weights.safetensors")).unwrap();
    assert!(weights(spot.path()) == weights(whole.path()), "the restarted job's weights differ");
}

#[test]
fn an_s3_root_without_credentials_says_so_in_one_line() {
    // No credentials anywhere the SDK's chain looks (instance metadata off, so nothing is sent).
    let exp = Experiment::new(&fixture_settings("s3://some-bucket/exp", ""));
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("AWS_")) {
        command.env_remove(name);
    }
    let output = command
        .arg("--plugin")
        .arg(fixture_plugin())
        .arg(exp.settings())
        .arg("reconcile")
        .env_remove("RUST_LOG")
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .output()
        .unwrap();
    let run = Run::from_output(output);
    let line = run.failure(1);
    assert_eq!(run.stderr.lines().count(), 1, "one line, no SDK dumps:\n{}", run.stderr);
    assert!(
        line.starts_with("error: storage error at experiment.root = s3://some-bucket/exp: no AWS credentials found: looked in the environment"),
        "{line}"
    );
}
