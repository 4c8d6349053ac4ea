//! Every way a plugin can fail, seen from the command line: one `error:` line naming the plugin
//! and the cause, exit code 1, never an abort.

use crate::util::{faulty_plugins, fixture_plugin, Experiment};

fn fixture() -> Experiment {
    Experiment::fixture("records = 24", "")
}

#[test]
fn missing_file_is_named() {
    let exp = fixture();
    let run = exp.run(&exp.dir.path().join("libnothere.so"), &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("libnothere.so") && line.contains("no such file"), "{line}");
}

#[test]
fn a_text_file_is_not_a_shared_library() {
    let exp = fixture();
    let fake = exp.dir.path().join("libfake.so");
    std::fs::write(&fake, "this is not an ELF file\n").unwrap();
    let run = exp.run(&fake, &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("libfake.so") && line.contains("not a loadable shared library"), "{line}");
}

#[test]
fn a_library_without_root_module_is_not_a_plugin() {
    let exp = fixture();
    let run = exp.run(&faulty_plugins().not_a_plugin, &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("not an mlpipe plugin") && line.contains("export_experiment!"), "{line}");
}

#[test]
fn another_plugin_api_version_is_refused() {
    let exp = fixture();
    let run = exp.run(&faulty_plugins().other_api_version, &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("incompatible mlpipe-plugin-api") && line.contains("0.2.0"), "{line}");
    assert!(!exp.exp_dir("fixture-exp").exists(), "nothing may be written");
}

#[test]
fn another_libtorch_is_refused() {
    let exp = fixture();
    let run = exp.run(&faulty_plugins().other_torch, &["reconcile"]);
    let line = run.failure(1);
    assert!(line.contains("tch 0.23.0") && line.contains("tch 0.24.0") && line.contains("rebuild"), "{line}");
}

#[test]
fn each_user_function_error_and_panic_is_reported() {
    // (function, the step that calls it)
    let cases = [
        ("new", "reconcile"),
        ("reconcile", "reconcile"),
        ("labels", "reconcile"),
        ("ordered_input_keys", "prepare"),
        ("prepare", "prepare"),
        ("load_model", "train"),
        // The model's forward on its 4th call: after the host's shape probe, inside training.
        ("forward", "train"),
    ];
    for (function, step) in cases {
        for (option, verb, text) in
            [("fail_in", "failed", "injected failure"), ("panic_in", "panicked", "injected panic")]
        {
            let exp = fixture();
            match step {
                "prepare" => exp.run(&fixture_plugin(), &["reconcile"]).ok(),
                "train" => exp.run(&fixture_plugin(), &["reconcile", "prepare"]).ok(),
                _ => "",
            };
            std::fs::write(
                exp.settings(),
                std::fs::read_to_string(exp.settings()).unwrap() + &format!("{option} = {function}\n"),
            )
            .unwrap();
            let run = exp.run(&fixture_plugin(), &[step]);
            assert_eq!(run.code, 1, "{function}/{option}: {}", run.stderr);
            let line = run.error_line();
            assert!(
                line.contains(&format!("plugin function `{function}` {verb}")) && line.contains(text),
                "{function}/{option}: {line}"
            );
            if function == "prepare" {
                assert!(line.contains("r0007") && line.contains("model tiny"), "the record must be named: {line}");
            }
            if function == "forward" {
                assert!(line.starts_with("error: model tiny: "), "the model must be named: {line}");
            }
        }
    }
}
