//! `runner new` as a plugin author meets it: a crate scaffolded in a temporary folder outside the
//! workspace, built by cargo with no LIBTORCH, LIBTORCH_CXX11_ABI or LD_LIBRARY_PATH in the
//! environment, passes `runner check` and runs every step to the report. The inner build uses a
//! target folder of its own under the workspace's (`scaffold-e2e`), kept between runs: the outer
//! `cargo test` holds the workspace target's lock, and a cold build (tch, torch-sys's C++,
//! abi_stable, in release) takes minutes: 298.6 s on a 2-core machine shared with another build,
//! 5.5 s once the folder is warm (this test's own timing line, `scaffolded plugin built in …`).

use crate::util::{check_plugin, runner, runner_args, target_dir};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Builds the crate in `dir` as its README says (`cargo build --release`), with a clean
/// environment as far as libtorch is concerned; returns the plugin library.
fn build_outside(dir: &Path, lib_name: &str) -> std::path::PathBuf {
    let target = target_dir().join("scaffold-e2e");
    let started = Instant::now();
    let output = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("LIBTORCH")
        .env_remove("LIBTORCH_CXX11_ABI")
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .expect("spawn cargo");
    assert!(output.status.success(), "cargo build --release failed:\n{}", String::from_utf8_lossy(&output.stderr));
    eprintln!("scaffolded plugin built in {:.1} s", started.elapsed().as_secs_f64());
    let lib = target.join("release").join(format!("lib{lib_name}.so"));
    assert!(lib.is_file(), "{} missing after the build", lib.display());
    lib
}

#[test]
fn a_scaffolded_plugin_builds_outside_the_workspace_passes_check_and_makes_a_report() {
    let outside = tempfile::tempdir().expect("tempdir");
    let dir = outside.path().join("my-first-exp");
    let written = runner_args(&["new".as_ref(), dir.as_os_str()]);
    let stdout = written.ok();
    for file in ["Cargo.toml", "Cargo.lock", "build.rs", ".cargo/config.toml", "src/lib.rs", "data.tsv", "settings.ini"]
    {
        assert!(dir.join(file).is_file(), "{file} not written; stdout:\n{stdout}");
    }
    let again = runner_args(&["new".as_ref(), dir.as_os_str(), "--name".as_ref(), "other".as_ref()]);
    let error = again.failure(2);
    assert!(error.ends_with("is not empty: `runner new` writes only into a new or empty folder"), "{error}");

    let plugin = build_outside(&dir, "my_first_exp");
    let settings = dir.join("settings.ini");
    let check = check_plugin(&plugin, &settings, &[]);
    let stdout = check.ok();
    assert!(!stdout.contains('✗'), "{stdout}");
    assert!(stdout.contains("✓ model bow: train/eval mode changes dropout output: training mode differs"), "{stdout}");
    assert!(stdout.contains("✓ reconcile gives records (first 32): 32 records"), "{stdout}");

    runner(&plugin, &settings, &["all"]).ok();
    let report = dir.join("experiments/my-first-exp/runs/1/inference/report.html");
    let html = std::fs::read_to_string(&report).unwrap_or_else(|err| panic!("{}: {err}", report.display()));
    assert!(html.contains("weather") && html.contains("cooking"), "the report names the labels");
}

#[test]
fn new_refuses_a_bad_name() {
    let outside = tempfile::tempdir().expect("tempdir");
    let run = runner_args(&["new".as_ref(), outside.path().as_os_str(), "--name".as_ref(), "2fast".as_ref()]);
    assert_eq!(run.failure(2), "error: plugin name \"2fast\": must start with a letter (give one with --name)");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}
