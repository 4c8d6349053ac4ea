//! `runner check`, the plugin doctor: every check passes on the fixture plugin as it is, and each
//! deliberately wrong plugin (a fixture failure injection or wrong-plugin option, or a faulty
//! build) gets its own `✗` line and exit code 1.

use crate::util::{check_plugin, faulty_plugins, fixture_plugin, Experiment, Run};

/// Every check the doctor makes on a healthy plugin with one model, in order.
const CHECKS: &[&str] = &[
    "library loads",
    "plugin-api and libtorch versions match the runner's",
    "new accepts the [plugin] options",
    "labels are non-empty and distinct",
    "reconcile gives records (first 32)",
    "record ids are unique and non-empty",
    "record labels are among labels()",
    "records have text fields",
    "model tiny: ordered_input_keys names distinct inputs",
    "model tiny: prepare runs on every record",
    "model tiny: prepare is deterministic",
    "model tiny: prepare produces every ordered_input_keys name",
    "model tiny: inputs have consistent dtypes",
    "model tiny: load_model builds the model",
    "model tiny: forward on a padded batch gives [batch, num_labels], finite",
    "model tiny: lengths within what the model accepts",
    "model tiny: train/eval mode changes dropout output",
    "model tiny: a training step lowers the loss on a repeated tiny batch",
    "model tiny: save → load weights round-trips",
    "model tiny: TorchScript trace matches eager on two other shapes",
];

/// The check lines (`✓ …` / `✗ …`) of a run.
fn check_lines(run: &Run) -> Vec<&str> {
    run.stdout.lines().filter(|line| line.starts_with(['✓', '✗'])).collect()
}

/// Runs the doctor on the fixture with `options` in `[plugin]`.
fn check_fixture(options: &str) -> Run {
    let exp = Experiment::fixture(options, "");
    check_plugin(&fixture_plugin(), &exp.settings(), &[])
}

/// Asserts that the doctor failed with exit code 1, that exactly one check failed, and that its
/// line starts with `expected`.
fn assert_caught(run: &Run, expected: &str) {
    let error = run.failure(1);
    assert!(error.contains(": 1 of "), "{error}");
    let failed: Vec<&str> = check_lines(run).into_iter().filter(|line| line.starts_with('✗')).collect();
    assert_eq!(failed.len(), 1, "stdout:\n{}", run.stdout);
    assert!(failed[0].starts_with(expected), "expected a line starting with\n{expected}\ngot\n{}", failed[0]);
}

#[test]
fn a_healthy_plugin_passes_every_check() {
    let run = check_fixture("");
    let stdout = run.ok();
    let lines = check_lines(&run);
    assert_eq!(lines.len(), CHECKS.len(), "{stdout}");
    for (line, check) in lines.iter().zip(CHECKS) {
        assert!(line.starts_with(&format!("✓ {check}: ")), "expected ✓ {check}, got {line}");
    }
    assert!(stdout.ends_with(&format!("all {} checks passed\n", CHECKS.len())), "{stdout}");
}

#[test]
fn both_fixture_models_pass_and_the_record_count_is_configurable() {
    let exp = Experiment::new(
        "[experiment]\nname = fixture-exp\nmodel_names = tiny, dense\n[plugin]\nrecords = 12\n[training]\nlearning_rate = 1e-2\n",
    );
    let run = check_plugin(&fixture_plugin(), &exp.settings(), &["--records", "5"]);
    let stdout = run.ok();
    assert!(stdout.contains("✓ reconcile gives records (first 5): 5 records\n"), "{stdout}");
    assert!(stdout.contains("✓ model dense: TorchScript trace matches eager on two other shapes: "), "{stdout}");
    assert_eq!(check_lines(&run).len(), 8 + 2 * 12, "{stdout}");
}

#[test]
fn options_that_new_refuses_fail_the_options_check() {
    assert_caught(
        &check_fixture("fail_in = new"),
        "✗ new accepts the [plugin] options: plugin function `new` failed: injected failure in new",
    );
    assert_caught(
        &check_fixture("colour = red"),
        "✗ new accepts the [plugin] options: plugin function `new` failed: plugin.colour: unknown option",
    );
    assert_caught(
        &check_fixture("fail_in = labels"),
        "✗ labels are non-empty and distinct: plugin function `labels` failed: injected failure in labels",
    );
}

#[test]
fn bad_records_are_named() {
    assert_caught(
        &check_fixture("duplicate_id = true"),
        "✗ record ids are unique and non-empty: id \"r0001\" is pushed twice",
    );
    assert_caught(
        &check_fixture("bad_label_record = r0003"),
        "✗ record labels are among labels(): record \"r0003\" has label \"purple\", which labels() lacks",
    );
    let run = check_fixture("fail_in = reconcile\nrecords = 10");
    run.failure(1);
    assert!(
        run.stdout.contains(
            "✗ reconcile gives records (first 32): plugin function `reconcile` failed: injected failure in reconcile (after 5 records)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn wrong_prepare_is_caught() {
    assert_caught(
        &check_fixture("panic_in = prepare"),
        "✗ model tiny: prepare runs on every record: record \"r0007\": plugin function `prepare` panicked: injected panic in prepare",
    );
    assert_caught(
        &check_fixture("nondeterministic_prepare = true"),
        "✗ model tiny: prepare is deterministic: record \"r0001\": input \"input_ids\" differs between two calls",
    );
    assert_caught(
        &check_fixture("fail_in = ordered_input_keys"),
        "✗ model tiny: ordered_input_keys names distinct inputs: plugin function `ordered_input_keys` failed: injected failure in ordered_input_keys",
    );
    let run = check_fixture("drop_input_key = attention_mask");
    run.failure(1);
    let failed: Vec<&str> = check_lines(&run).into_iter().filter(|line| line.starts_with('✗')).collect();
    assert_eq!(
        failed,
        ["✗ model tiny: prepare produces every ordered_input_keys name: record \"r0001\": input \"attention_mask\" is missing (prepare gave [\"input_ids\"])"]
    );
}

#[test]
fn wrong_models_are_caught() {
    let run = check_fixture("extra_outputs = 1");
    assert_caught(
        &run,
        "✗ model tiny: forward on a padded batch gives [batch, num_labels], finite: logits of shape [8, 4] on inputs",
    );
    assert!(run.stdout.contains("expected [8, 3]"), "{}", run.stdout);
    assert_caught(
        &check_fixture("data_dependent_forward = true"),
        "✗ model tiny: TorchScript trace matches eager on two other shapes: traced module differs from the model on inputs",
    );
    assert_caught(
        &check_fixture("panic_in = load_model"),
        "✗ model tiny: load_model builds the model: plugin function `load_model` panicked: injected panic in load_model",
    );
}

#[test]
fn libraries_that_cannot_serve_are_caught_first() {
    let exp = Experiment::fixture("", "");
    let faulty = faulty_plugins();
    let run = check_plugin(&faulty.not_a_plugin, &exp.settings(), &[]);
    assert_caught(&run, "✗ library loads: plugin ");
    assert!(run.stdout.contains("not an mlpipe plugin"), "{}", run.stdout);
    let run = check_plugin(&faulty.other_torch, &exp.settings(), &[]);
    assert_caught(&run, "✗ plugin-api and libtorch versions match the runner's: plugin ");
    assert_eq!(check_lines(&run).len(), 2, "{}", run.stdout);
    let missing = exp.dir.path().join("libnothing.so");
    assert_caught(&check_plugin(&missing, &exp.settings(), &[]), "✗ library loads: plugin ");
}

#[test]
fn bad_usage_exits_with_2() {
    let exp = Experiment::new("[experiment]\nname = x\nmodel_names = tiny\nepochs = 3\n");
    let error = check_plugin(&fixture_plugin(), &exp.settings(), &[]).failure(2);
    assert!(error.contains("experiment.epochs"), "{error}");
    let exp = Experiment::fixture("", "");
    let error = check_plugin(&fixture_plugin(), &exp.settings(), &["--records", "0"]).failure(2);
    assert_eq!(error, "error: --records: expected at least 1");
}
