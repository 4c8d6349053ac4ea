//! SageMaker's container contract end to end, in-process and without the runner binary: a fake
//! `/opt/ml` in a temporary folder, filled as SageMaker fills it, drives a real training of the
//! fixture plugin's `tiny` model through `mlpipe_aws::container`.
//!
//! Index:
//! - `a_training_job_trains_and_exports_through_the_contract`: real data from the pipeline's own
//!   data steps, then hyperparameters → local job → train → `/opt/ml/model/`; the JSON-quoted
//!   `training.epochs` override shows in the epoch count; a second attempt on the same `/opt/ml`
//!   (a restarted spot job) resumes the run instead of starting another.
//! - `a_missing_model_fails_with_one_line_naming_the_file_and_key`
//! - `a_bad_override_fails_with_one_line_naming_the_file_and_key`
//! - `a_comparison_snapshot_is_narrowed_to_the_jobs_model`: one job per model of a comparison; the
//!   other models' `[training.<model>]` sections are dropped, the job's own still applies.
//!
//! Needs the fixture plugin built by `cargo build --workspace` (or `-p mlpipe-plugin-fixture`).

use mlpipe_aws::container::{write_failure, OptMl, TrainingContract};
use mlpipe_core::distributed::Replica;
use mlpipe_core::job::Job;
use mlpipe_core::plugin::Plugin;
use mlpipe_core::settings::Settings;
use mlpipe_core::steps::{self, Existing};
use std::path::{Path, PathBuf};

/// The fixture experiment as the host side has it: 4 epochs unless a hyperparameter says otherwise.
const SETTINGS: &str = "[experiment]\nname = fixture-exp\nroot = ./experiments\nmodel_names = tiny\nseed = 7\n\n\
[data]\nvalidation_fraction = 0.2\ntest_fraction = 0.25\n\n[plugin]\nrecords = 120\n\n\
[training]\nepochs = 4\nbatch_size = 16\nmax_device_batch_size = 8\nlearning_rate = 0.05\nwarmup_ratio = 0.1\nnum_threads = 1\n";

/// What the host side puts in `hyperparameters.json`: SageMaker clients JSON-encode some values.
const HYPERPARAMETERS: &str = r#"{"mlpipe.model": "tiny", "mlpipe.run": "3", "training.epochs": "\"2\""}"#;

fn fixture_plugin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().and_then(Path::parent).unwrap();
    let path = profile.join("libmlpipe_plugin_fixture.so");
    assert!(path.is_file(), "{} missing: run `cargo build -p mlpipe-plugin-fixture` first", path.display());
    path
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

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

/// A fake `/opt/ml` of a one-host training job with `hyperparameters` and the settings snapshot;
/// the data channel is left to the caller.
fn fake_opt_ml(dir: &Path, hyperparameters: &str) -> OptMl {
    let opt_ml = OptMl::at(dir.join("opt_ml"));
    write(&opt_ml.hyperparameters(), hyperparameters);
    write(
        &opt_ml.resource_config(),
        r#"{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}"#,
    );
    write(&opt_ml.training_settings(), SETTINGS);
    opt_ml
}

#[test]
fn a_training_job_trains_and_exports_through_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let plugin_path = fixture_plugin();

    // The host side: reconcile and prepare into a local root, as `runner settings.ini reconcile prepare`.
    let host_settings = dir.path().join("host/settings.ini");
    write(&host_settings, SETTINGS);
    let host = Job::open(Settings::load(&host_settings, &[]).unwrap()).unwrap();
    let plugin = Plugin::open(&plugin_path, &host.settings).unwrap();
    steps::reconcile(&host, &plugin, Existing::Refuse).unwrap();
    steps::prepare(&host, &plugin, Existing::Refuse).unwrap();

    // SageMaker's side: the channels.
    let opt_ml = fake_opt_ml(dir.path(), HYPERPARAMETERS);
    copy_tree(&dir.path().join("host/experiments/fixture-exp/data"), &opt_ml.data_channel());

    // The container: contract → local job → the ordinary train step → model/.
    let contract = TrainingContract::read(&opt_ml).unwrap();
    assert_eq!((contract.model(), contract.hyperparameters.host_run), ("tiny", Some(3)));
    let local = contract.local_job(&opt_ml.experiments_root()).unwrap();
    assert_eq!(local.settings_path, opt_ml.training_settings());
    assert_eq!(local.resume, None, "nothing to resume in a fresh job");
    let job = Job::open(Settings::load(&local.settings_path, &local.overrides).unwrap()).unwrap();
    assert_eq!(job.settings.training.epochs, 2);
    let report = steps::train(&job, &plugin, local.resume, &Replica::single(), &mut |_| {}).unwrap();
    let run = report.run.num();
    let trained = opt_ml.experiments_root().join(format!("fixture-exp/runs/{run}/training/tiny"));
    assert!(trained.join("statistics.json").is_file(), "the run lives where SageMaker syncs checkpoints");
    assert!(!trained.join("checkpoints/best.safetensors").exists(), "a finished model's checkpoints are removed");
    contract.export_model(&job, run).unwrap();

    let model = opt_ml.model_dir();
    for file in [
        "model.pt",
        "weights.safetensors",
        "input_keys.json",
        "metrics.jsonl",
        "statistics.json",
        "manifest.toml",
        "settings.ini",
        "curves/loss.png",
    ] {
        assert!(model.join(file).is_file(), "model/{file} missing");
    }
    assert!(!model.join("checkpoints").exists(), "checkpoints are not part of model.tar.gz");
    let stats: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("statistics.json")).unwrap()).unwrap();
    assert_eq!(stats["history"].as_array().unwrap().len(), 2, "training.epochs=\"2\" applied: {stats}");
    assert!(std::fs::read_to_string(model.join("settings.ini")).unwrap().contains("epochs = 2"));

    // A restarted attempt finds the data and the run in the restored checkpoints and resumes the
    // run; the train step accepts it (same settings) and has nothing left to do.
    let again = TrainingContract::read(&opt_ml).unwrap().local_job(&opt_ml.experiments_root()).unwrap();
    assert_eq!(again.resume, Some(run));
    assert_eq!(again.overrides, local.overrides);
    let job = Job::open(Settings::load(&again.settings_path, &again.overrides).unwrap()).unwrap();
    let resumed = steps::train(&job, &plugin, again.resume, &Replica::single(), &mut |_| {}).unwrap();
    assert_eq!(resumed.run.num(), run);
    contract.export_model(&job, run).unwrap();
}

#[test]
fn a_missing_model_fails_with_one_line_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let opt_ml = fake_opt_ml(dir.path(), r#"{"mlpipe.run": "3", "training.epochs": "2"}"#);
    let err = TrainingContract::read(&opt_ml).unwrap_err().to_string();
    assert_eq!(err, format!("{}: mlpipe.model: required key is missing", opt_ml.hyperparameters().display()));
    write_failure(&opt_ml, &err).unwrap();
    assert_eq!(std::fs::read_to_string(opt_ml.failure()).unwrap(), err);
}

#[test]
fn a_bad_override_fails_with_one_line_naming_the_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let opt_ml = fake_opt_ml(dir.path(), r#"{"mlpipe.model": "tiny", "training.epochs": "\"zero\""}"#);
    let contract = TrainingContract::read(&opt_ml).unwrap();
    let err = contract.local_job(&opt_ml.experiments_root()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let err = err.to_string();
    assert_eq!(
        err,
        format!("{}: training.epochs: expected a positive integer, got \"zero\"", opt_ml.hyperparameters().display())
    );
    write_failure(&opt_ml, &err).unwrap();
    let failure = std::fs::read_to_string(opt_ml.failure()).unwrap();
    assert_eq!((failure.as_str(), failure.lines().count()), (err.as_str(), 1));
}

#[test]
fn a_comparison_snapshot_is_narrowed_to_the_jobs_model() {
    let dir = tempfile::tempdir().unwrap();
    let opt_ml = fake_opt_ml(dir.path(), r#"{"mlpipe.model": "tiny"}"#);
    let comparison = SETTINGS.replace("model_names = tiny", "model_names = bow, tiny");
    write(
        &opt_ml.training_settings(),
        &format!("{comparison}\n[training.bow]\nlearning_rate = 0.01\n\n[training.tiny]\nepochs = 3\n"),
    );
    std::fs::create_dir_all(opt_ml.data_channel()).unwrap();
    let local = TrainingContract::read(&opt_ml).unwrap().local_job(&opt_ml.experiments_root()).unwrap();
    assert_eq!(local.settings_path, opt_ml.narrowed_settings());
    let settings = Settings::load(&local.settings_path, &local.overrides).unwrap();
    assert_eq!(settings.experiment.model_names, ["tiny"]);
    assert_eq!(settings.training_for("tiny").epochs, 3);
    assert!(!settings.model_training.contains_key("bow"));
}
