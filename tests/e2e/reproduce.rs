//! `runner reproduce SETTINGS.ini RUN` on the fixture plugin: a comparison run re-created from
//! its folder is `identical`; a run made with another plugin file is refused unless
//! `--allow-different-plugin`; a perturbed metric is reported with its step and both values;
//! a changed data snapshot is re-created (the changed one archived) before training.

use crate::util::{fixture_plugin, rebuilt_fixture_plugin, runner_args, Experiment, Run};
use std::path::Path;

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

fn comparison() -> Experiment {
    Experiment::new(&format!(
        "[experiment]\nname = fixture-exp\nroot = ./experiments\nmodel_names = tiny, dense\nseed = 7\n\n[data]\nvalidation_fraction = 0.2\ntest_fraction = 0.25\n\n[plugin]\nrecords = 150\n\n{TRAINING}"
    ))
}

fn reproduce(exp: &Experiment, run: &str, extra: &[&str]) -> Run {
    let settings = exp.settings();
    let mut args: Vec<&std::ffi::OsStr> = vec!["reproduce".as_ref(), settings.as_os_str(), run.as_ref()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    runner_args(&args)
}

fn manifest(exp: &Experiment, run: u64) -> toml::Table {
    let path = exp.exp_dir("fixture-exp").join(format!("runs/{run}/manifest.toml"));
    toml::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn a_comparison_run_reproduced_from_its_folder_is_identical() {
    let exp = comparison();
    exp.run(&fixture_plugin(), &["all"]).ok();
    let reproduced = reproduce(&exp, "1", &[]);
    let last = reproduced.ok().lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("identical: run 2 reproduces run 1: "), "{last}");
    assert!(last.contains("of 2 model(s)"), "{last}");
    let recorded = manifest(&exp, 2);
    assert_eq!(recorded["reproduces"].as_integer(), Some(1));
    assert_eq!(recorded["reproduce_verdict"].as_str(), Some("identical"));
    assert_eq!(recorded["status"].as_str(), Some("finished"), "the rest of the manifest is kept");
    assert!(!recorded.contains_key("reproduce_allowed_differences"));
    // The snapshot it trained from sat beside the settings file (the plugin's settings folder is
    // the original run's) and is gone.
    let left: Vec<_> = std::fs::read_dir(exp.dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".mlpipe-reproduce-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A run that does not exist is one line naming it.
    let missing = reproduce(&exp, "9", &[]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.error_line().contains("run 9: there is no "), "{}", missing.stderr);

    // A run made with another libtorch (its manifest says so) is refused, naming both versions.
    let path = exp.exp_dir("fixture-exp").join("runs/1/manifest.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let torch = manifest(&exp, 1)["torch"].as_str().unwrap().to_string();
    std::fs::write(&path, text.replace(&torch, "tch 0.23.0 / libtorch 2.10.0")).unwrap();
    let refused = reproduce(&exp, "1", &[]);
    assert_eq!(refused.code, 2, "{refused:?}");
    let line = refused.error_line();
    assert!(
        line.contains(&format!("this runner has {torch}, run 1 was made with tch 0.23.0 / libtorch 2.10.0")),
        "{line}"
    );
    assert!(!exp.exp_dir("fixture-exp").join("runs/3").exists(), "nothing trained");
}

#[test]
fn a_run_made_with_another_plugin_file_is_refused_unless_allowed() {
    let exp = comparison();
    let rebuilt = rebuilt_fixture_plugin(exp.dir.path());
    exp.run(&rebuilt, &["all"]).ok();
    let fixture = fixture_plugin();
    let plugin_args = ["--plugin", fixture.to_str().unwrap()];
    let refused = reproduce(&exp, "1", &plugin_args);
    assert_eq!(refused.code, 2, "{refused:?}");
    let line = refused.error_line();
    let sha = |path: &Path| mlpipe_core::hash::sha256_file(path).unwrap();
    assert!(line.contains(&sha(&fixture_plugin())) && line.contains(&sha(&rebuilt)), "names both hashes: {line}");
    assert!(line.contains("--allow-different-plugin"), "{line}");
    assert!(!exp.exp_dir("fixture-exp").join("runs/2").exists(), "nothing trained");

    let allowed = reproduce(&exp, "1", &[plugin_args[0], plugin_args[1], "--allow-different-plugin"]);
    assert!(allowed.ok().contains("identical: run 2 reproduces run 1"), "the same code: {}", allowed.stdout);
    let recorded = manifest(&exp, 2);
    let differences = recorded["reproduce_allowed_differences"].as_str().unwrap();
    assert!(differences.contains(&sha(&rebuilt)), "{differences}");
}

#[test]
fn a_perturbed_metric_is_reported_with_its_step_and_both_values() {
    let exp = comparison();
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "train"]).ok();
    let metrics = exp.exp_dir("fixture-exp").join("runs/1/training/dense/metrics.jsonl");
    let text = std::fs::read_to_string(&metrics).unwrap();
    let line = text.lines().find(|line| line.contains("\"validation:loss\"") && line.contains("\"epoch\":2")).unwrap();
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let (step, original) = (value["step"].as_u64().unwrap(), value["value"].as_f64().unwrap());
    let perturbed = original + 1e-6;
    std::fs::write(&metrics, text.replace(line, &line.replace(&format!("{original}"), &format!("{perturbed}"))))
        .unwrap();

    let differs = reproduce(&exp, "1", &[]);
    assert_eq!(differs.code, 1, "{differs:?}");
    let last = differs.stdout.lines().last().unwrap_or_default().to_string();
    assert_eq!(
        last,
        format!(
            "differs: run 2 does not reproduce run 1: dense: validation:loss at epoch 2 step {step}: {perturbed:?} in run 1, {original:?} in run 2"
        )
    );
    assert!(manifest(&exp, 2)["reproduce_verdict"].as_str().unwrap().starts_with("differs: dense: validation:loss"));
}

#[test]
fn a_changed_data_snapshot_is_recreated_before_training() {
    let exp = comparison();
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "train"]).ok();
    // The experiment's data made again from other settings: other records than run 1 trained on.
    exp.run(&fixture_plugin(), &["reconcile", "prepare", "--force", "--set", "experiment.seed=8"]).ok();
    let reproduced = reproduce(&exp, "1", &[]);
    let stdout = reproduced.ok();
    assert!(stdout.contains("re-creating the data snapshot"), "{stdout}");
    assert!(stdout.contains("previous data snapshot was moved to"), "archived, not overwritten: {stdout}");
    assert!(stdout.contains("identical: run 2 reproduces run 1"), "{stdout}");
}

#[test]
fn a_tuning_run_is_reproduced_through_its_best_trial() {
    // The settings' own learning rate is the space's lowest, so a later trial wins.
    let exp = Experiment::fixture(
        "records = 300",
        "[training]\nepochs = 3\nbatch_size = 16\nmax_device_batch_size = 8\nlearning_rate = 0.002\nwarmup_ratio = 0.1\n\
         objective_metric = validation:loss\n\n[tuning]\nmax_jobs = 4\nmax_parallel_jobs = 2\n\
         learning_rate = 0.002 -> 0.3 log\nbatch_size = 8, 16, 32\n",
    );
    exp.run(&fixture_plugin(), &[]).ok();
    let best: serde_json::Value =
        serde_json::from_slice(&std::fs::read(exp.exp_dir("fixture-exp").join("runs/1/tuning/best.json")).unwrap())
            .unwrap();
    let trial = best["tiny"]["trial"].as_u64().unwrap();
    assert_ne!(trial, 1, "the test needs a best trial other than the settings as written: {best}");
    let reproduced = reproduce(&exp, "1", &[]);
    let stdout = reproduced.ok();
    assert!(stdout.contains(&format!("training its best trial, tiny trial {trial}")), "{stdout}");
    assert!(stdout.contains("identical: run 2 reproduces run 1"), "{stdout}");
}
