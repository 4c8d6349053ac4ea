//! Settings through the command line: errors are one line naming file, line and key, with exit
//! code 2; `--set` overrides a key.

use crate::util::{fixture_plugin, Experiment};

#[test]
fn an_unknown_key_is_named_with_its_line_and_a_suggestion() {
    let exp = Experiment::fixture("records = 20", "[training]\nlearnig_rate = 0.1\n");
    let run = exp.run(&fixture_plugin(), &["reconcile"]);
    let line = run.failure(2);
    assert!(
        line.contains("settings.ini:") && line.contains("training.learnig_rate") && line.contains("learning_rate"),
        "{line}"
    );
}

#[test]
fn a_bad_value_is_named_with_its_line() {
    let exp = Experiment::fixture("records = 20", "[training]\n\nbatch_size = lots\n");
    let run = exp.run(&fixture_plugin(), &["reconcile"]);
    let line = run.failure(2);
    assert!(
        line.contains("settings.ini:15") && line.contains("training.batch_size") && line.contains("lots"),
        "{line}"
    );
}

#[test]
fn set_overrides_a_key_and_a_bad_override_is_named() {
    let exp = Experiment::fixture("records = 20", "");
    exp.run(&fixture_plugin(), &["reconcile", "--set", "experiment.name=renamed"]).ok();
    assert!(exp.exp_dir("renamed").join("data/manifest.toml").is_file());
    assert!(!exp.exp_dir("fixture-exp").exists());
    let run = exp.run(&fixture_plugin(), &["reconcile", "--set", "training.epochs=zero"]);
    let line = run.failure(2);
    assert!(line.contains("--set") && line.contains("training.epochs"), "{line}");
}

#[test]
fn a_missing_settings_file_and_an_unknown_step_are_usage_errors() {
    let exp = Experiment::fixture("records = 20", "");
    let missing = crate::util::runner(&fixture_plugin(), &exp.dir.path().join("nope.ini"), &["reconcile"]);
    assert_eq!(missing.code, 2);
    assert!(missing.error_line().contains("nope.ini"), "{}", missing.stderr);
    let unknown = exp.run(&fixture_plugin(), &["reconcil"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("reconcil"), "{}", unknown.stderr);
}
