//! `runner runs` and `runner show`, which need no `--plugin`: the fixture experiment trained twice
//! (`all`, then `train` alone) is listed newest first with the numbers its own files hold, a run's
//! report path is printed and exists, and half-written runs, an empty experiment and bad usage
//! are handled without a crash.

use crate::util::{dir_bytes, fixture_plugin, printed_size, Experiment, Run};
use std::path::Path;
use std::process::Command;

const TRAINING: &str = "[training]\nepochs = 2\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

/// Runs the runner with `args` as given (no `--plugin` in front, unlike `util::runner`).
fn runner_raw(args: &[&str]) -> Run {
    let output =
        Command::new(env!("CARGO_BIN_EXE_runner")).args(args).env_remove("RUST_LOG").output().expect("spawn runner");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The cells of a `runner runs` table: one map (header → trimmed cell) per row, in order. Columns
/// start where their header starts (the table is aligned), so cells may contain single spaces.
fn table_rows(table: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = table.lines();
    let header = lines.next().expect("a header line");
    // A header ends at two spaces; the run number's header is right-aligned, so column 0 is 0.
    let mut starts = vec![0];
    let mut names = Vec::new();
    for (i, name) in header.split("  ").map(str::trim).filter(|name| !name.is_empty()).enumerate() {
        if i > 0 {
            starts.push(header.find(name).expect("header found"));
        }
        names.push(name.to_string());
    }
    lines
        .map(|line| {
            (0..names.len())
                .map(|i| {
                    let end = starts.get(i + 1).copied().unwrap_or(line.len()).min(line.len());
                    (names[i].clone(), line[starts[i].min(line.len())..end].trim().to_string())
                })
                .collect()
        })
        .collect()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

#[test]
fn runs_lists_newest_first_with_the_numbers_of_the_runs_own_files_and_show_prints_the_report() {
    let exp = Experiment::fixture("records = 150", TRAINING);
    exp.run(&fixture_plugin(), &["all"]).ok();
    exp.run(&fixture_plugin(), &["train"]).ok();
    let settings = exp.settings();
    let settings = settings.to_str().unwrap();

    let listing = runner_raw(&["runs", settings]);
    let rows = table_rows(listing.ok());
    assert_eq!(rows.len(), 2, "{}", listing.stdout);
    assert_eq!((rows[0]["run"].as_str(), rows[1]["run"].as_str()), ("2", "1"), "newest first");
    let minute = regex::Regex::new(r"^\d{4}-\d\d-\d\d \d\d:\d\d$").unwrap();
    for row in &rows {
        assert_eq!(row["job"], "training");
        assert_eq!(row["status"], "finished");
        assert_eq!(row["models"], "tiny");
        assert!(minute.is_match(&row["started (UTC)"]), "{row:?}");
    }
    assert_eq!(rows[0]["test accuracy"], "-", "run 2 was not evaluated");

    // Run 1's numbers are its files' numbers, to the 4 decimals printed.
    let run1 = exp.exp_dir("fixture-exp").join("runs/1");
    let stats = json(&run1.join("training/tiny/statistics.json"));
    let summary = json(&run1.join("inference/tiny/summary.json"));
    assert_eq!(rows[1]["objective"], stats["objective"].as_str().unwrap());
    let printed = |name: &str| rows[1][name].parse::<f64>().unwrap_or_else(|e| panic!("{name}: {e}: {rows:?}"));
    assert!((printed("best") - stats["best_value"].as_f64().unwrap()).abs() <= 0.5e-4 + 1e-12, "{rows:?} vs {stats}");
    assert!((printed("test accuracy") - summary["accuracy"].as_f64().unwrap()).abs() <= 0.5e-4 + 1e-12, "{rows:?}");
    // The size column is the bytes of the run's folder, to the digits printed.
    for (row, num) in rows.iter().zip([2, 1]) {
        let on_disk = dir_bytes(&exp.exp_dir("fixture-exp").join(format!("runs/{num}"))) as f64;
        let (size, rounding) = printed_size(&row["size"]);
        assert!((size - on_disk).abs() <= rounding, "run {num}: printed {} for {on_disk} bytes", row["size"]);
    }

    let shown = runner_raw(&["show", settings, "1"]);
    let text = shown.ok();
    assert!(text.starts_with("run 1 of fixture-exp: finished\n"), "{text}");
    let path_of = |label: &str| {
        let line = text.lines().find(|line| line.trim_start().starts_with(&format!("{label} "))).unwrap();
        line.trim_start()[label.len()..].trim().to_string()
    };
    assert_eq!(Path::new(&path_of("report")), run1.join("inference/report.html"));
    assert!(run1.join("inference/report.html").is_file());
    for label in ["report", "model.pt", "weights", "settings"] {
        assert!(Path::new(&path_of(label)).is_file(), "{label}: {text}");
    }

    let missing = runner_raw(&["show", settings, "9"]);
    let error = missing.error_line();
    assert_eq!(missing.code, 2, "a run that does not exist is a usage error: {missing:?}");
    assert!(error.contains("run 9 not found") && error.contains("existing runs: 1, 2"), "{error}");
}

#[test]
fn half_written_runs_and_an_empty_experiment_list_without_a_crash() {
    let exp = Experiment::fixture("records = 150", "");
    let settings = exp.settings();
    let settings = settings.to_str().unwrap();
    let runs = exp.exp_dir("fixture-exp").join("runs");

    let empty = runner_raw(&["runs", settings]);
    assert!(empty.ok().starts_with("no runs yet in "), "{}", empty.stdout);
    assert!(empty.stdout.contains(runs.to_str().unwrap()), "{}", empty.stdout);

    std::fs::create_dir_all(runs.join("1")).unwrap();
    std::fs::write(runs.join("1/claim.toml"), "pid = 1\ncreated = \"2026-11-27T08:00:00Z\"\n").unwrap();
    std::fs::create_dir_all(runs.join("2")).unwrap();
    std::fs::write(runs.join("2/manifest.toml"), "status = [not toml\n").unwrap();
    let listing = runner_raw(&["runs", settings]);
    let rows = table_rows(listing.ok());
    let cells: Vec<(&str, &str)> = rows.iter().map(|row| (row["run"].as_str(), row["status"].as_str())).collect();
    assert_eq!(cells, [("2", "unreadable"), ("1", "allocating")], "{}", listing.stdout);
    assert_eq!(rows[1]["started (UTC)"], "2026-11-27 08:00");
    let warnings: Vec<&str> = listing.stderr.lines().filter(|line| line.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{}", listing.stderr);
    assert!(warnings[0].contains(runs.join("2/manifest.toml").to_str().unwrap()), "{}", warnings[0]);

    // `--set` picks another experiment under the same root: it has no runs.
    let other = runner_raw(&["runs", settings, "--set", "experiment.name=other"]);
    assert!(other.ok().starts_with("no runs yet in "), "{}", other.stdout);

    let no_run = runner_raw(&["show", settings]);
    assert_eq!(no_run.code, 2, "{no_run:?}");
    let no_settings = runner_raw(&["runs", "/no/such/settings.ini"]);
    assert!(no_settings.failure(2).contains("/no/such/settings.ini"));
}
