//! Training on a terminal and off it. Under a pseudo-terminal (`script`, from util-linux) training
//! shows a progress bar per model and each validation result, and no `[metric]` lines; piped, the
//! `[metric]` lines are exactly what they were (SageMaker's metric definitions parse them) and no
//! bar is drawn. `--quiet` hides the bar, `--verbose` adds the metric lines above it, and a
//! SageMaker job (`TRAINING_JOB_NAME` set) keeps the lines even on a terminal.

use crate::util::{fixture_plugin, Experiment};
use std::process::Command;

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

/// Single-quotes `text` for `sh`.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The runner's whole terminal output (stdout and stderr share the pseudo-terminal), run with
/// `env` under `script`.
fn on_terminal(exp: &Experiment, args: &[&str], env: &[(&str, &str)]) -> String {
    let runner = [
        env!("CARGO_BIN_EXE_runner"),
        "--plugin",
        fixture_plugin().to_str().unwrap(),
        exp.settings().to_str().unwrap(),
    ]
    .into_iter()
    .chain(args.iter().copied())
    .map(quote)
    .collect::<Vec<_>>()
    .join(" ");
    let output = Command::new("script")
        .args(["-qfec", &runner, "/dev/null"])
        .env_remove("RUST_LOG")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", "160")
        .envs(env.iter().copied())
        .output()
        .expect("script (util-linux) is installed");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "runner under a terminal failed:\n{text}");
    text
}

/// The step of the last `[metric]` line of a piped run, and its lines.
fn piped(exp: &Experiment, args: &[&str]) -> (u64, Vec<String>) {
    let run = exp.run(&fixture_plugin(), args);
    let lines: Vec<String> = run.ok().lines().filter(|l| l.starts_with("[metric] ")).map(String::from).collect();
    assert!(!run.stderr.contains("samples/s ·"), "no bar off a terminal:\n{}", run.stderr);
    let last = lines.last().expect("metric lines when piped");
    let step = last.split_whitespace().find_map(|w| w.strip_prefix("step=")).unwrap().parse().unwrap();
    (step, lines)
}

#[test]
fn a_terminal_shows_a_bar_per_model_and_validation_results_instead_of_metric_lines() {
    let exp = Experiment::fixture("records = 200", TRAINING);
    let both = ["--set", "experiment.model_names=tiny,dense"];
    exp.run(&fixture_plugin(), &["reconcile"]).ok();
    exp.run(&fixture_plugin(), &["prepare", both[0], both[1]]).ok();
    let (steps, lines) = piped(&exp, &["train", both[0], both[1]]);
    assert!(lines.iter().all(|l| l.split_whitespace().count() == 4), "the [metric] format: {lines:?}");

    let screen = on_terminal(&exp, &["train", both[0], both[1]], &[]);
    assert!(!screen.contains("[metric]"), "no metric lines on a terminal:\n{screen}");
    for model in ["tiny", "dense"] {
        assert!(screen.contains(&format!("{model} epoch 2/2")), "{model}'s bar:\n{screen}");
        assert!(screen.contains(&format!("{model} epoch 1 step ")), "{model}'s validation line:\n{screen}");
    }
    assert!(
        screen.contains(&format!("step {steps}/{steps}")),
        "the bar ends at the piped run's last step {steps}:\n{screen}"
    );
    assert!(screen.contains("validation loss ") && screen.contains(" · macro-F1 "), "{screen}");
    assert!(screen.contains("train: tiny: best"), "step summaries still print:\n{screen}");
}

#[test]
fn quiet_verbose_and_sagemaker_behave_as_users_expect() {
    let exp = Experiment::fixture("records = 120", TRAINING);
    exp.run(&fixture_plugin(), &["reconcile"]).ok();
    exp.run(&fixture_plugin(), &["prepare"]).ok();
    let quiet = on_terminal(&exp, &["train", "--quiet"], &[]);
    assert!(
        !quiet.contains("[metric]") && !quiet.contains("tiny epoch") && !quiet.contains("validation loss"),
        "{quiet}"
    );
    assert!(quiet.contains("train: tiny: best"), "{quiet}");

    let verbose = on_terminal(&exp, &["train", "--verbose"], &[]);
    assert!(verbose.contains("[metric] epoch=1 step=") && verbose.contains("tiny epoch 2/2"), "{verbose}");

    let sagemaker = on_terminal(&exp, &["train"], &[("TRAINING_JOB_NAME", "job-1")]);
    assert!(sagemaker.contains("[metric] epoch=1 step=") && !sagemaker.contains("tiny epoch 2/2"), "{sagemaker}");
}
