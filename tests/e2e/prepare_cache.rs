//! The prepared-data cache (`.mlpipe-cache/prepared/` under the storage root) through the runner
//! on the fixture plugin: hit across two experiments and after a setting `prepare` does not read,
//! missed after a plugin file or plugin option change and with `--force`, and two processes
//! preparing the same key at once leaving one complete entry.

use crate::util::{fixture_plugin, python_json, rebuilt_fixture_plugin, runner, Experiment};
use std::path::PathBuf;

const TRAINING: &str = "[training]\nepochs = 1\nlearning_rate = 0.05\n";
const REUSED: &str = "prepare: tiny: reused the cached inputs";

/// A second experiment's settings beside the first's (same root), differing in `name` and `edit`.
fn sibling(exp: &Experiment, name: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let text =
        std::fs::read_to_string(exp.settings()).unwrap().replace("name = fixture-exp", &format!("name = {name}"));
    let path = exp.dir.path().join(format!("{name}.ini"));
    std::fs::write(&path, edit(text)).unwrap();
    path
}

fn prepared_bytes(exp: &Experiment, name: &str) -> Vec<Vec<u8>> {
    ["train", "validation", "test"]
        .iter()
        .map(|split| std::fs::read(exp.exp_dir(name).join(format!("data/prepared/{split}.parquet"))).unwrap())
        .collect()
}

fn cache_entries(exp: &Experiment) -> Vec<PathBuf> {
    let dir = exp.dir.path().join("experiments/.mlpipe-cache/prepared");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    entries
}

#[test]
fn the_cache_is_hit_across_experiments_and_missed_after_a_plugin_or_option_change() {
    let exp = Experiment::fixture("records = 120", TRAINING);
    let first = exp.run(&fixture_plugin(), &["reconcile", "prepare"]);
    assert!(!first.ok().contains(REUSED), "an empty cache cannot be hit: {}", first.stdout);
    assert_eq!(cache_entries(&exp).len(), 1, "one model, one entry");

    // Another experiment under the same root, with a training setting prepare does not read.
    let other = sibling(&exp, "other-exp", |text| text.replace("learning_rate = 0.05", "learning_rate = 0.5"));
    let hit = runner(&fixture_plugin(), &other, &["reconcile", "prepare"]);
    assert!(hit.ok().contains(REUSED), "{}", hit.stdout);
    assert_eq!(prepared_bytes(&exp, "fixture-exp"), prepared_bytes(&exp, "other-exp"), "the same files, byte for byte");
    let manifest = std::fs::read_to_string(exp.exp_dir("other-exp").join("data/prepared/manifest.toml")).unwrap();
    let key = cache_entries(&exp)[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(manifest.contains(&format!("cache_key = \"{key}\"")), "the manifest names its entry: {manifest}");

    // A rebuilt plugin file: another key, the plugin runs again.
    let rebuilt = rebuilt_fixture_plugin(exp.dir.path());
    let changed = sibling(&exp, "rebuilt-exp", |text| text);
    let miss = runner(&rebuilt, &changed, &["reconcile", "prepare"]);
    assert!(!miss.ok().contains(REUSED), "a changed plugin file must not reuse: {}", miss.stdout);
    assert_eq!(cache_entries(&exp).len(), 2);

    // A plugin option: another key too.
    let option = sibling(&exp, "option-exp", |text| text.replace("[plugin]\n", "[plugin]\ntiny_dropout = 0.0\n"));
    let miss = runner(&fixture_plugin(), &option, &["reconcile", "prepare"]);
    assert!(!miss.ok().contains(REUSED), "a changed plugin option must not reuse: {}", miss.stdout);
    assert_eq!(cache_entries(&exp).len(), 3);

    // --force recomputes (and rewrites the entry), with the same bytes.
    let forced = exp.run(&fixture_plugin(), &["prepare", "--force"]);
    assert!(!forced.ok().contains(REUSED), "{}", forced.stdout);
    assert_eq!(prepared_bytes(&exp, "fixture-exp"), prepared_bytes(&exp, "other-exp"));
}

#[test]
fn two_processes_preparing_the_same_key_at_once_leave_one_complete_entry() {
    let exp = Experiment::fixture("records = 40000", TRAINING);
    let names = ["race-a", "race-b"];
    let settings: Vec<PathBuf> = names.iter().map(|name| sibling(&exp, name, |text| text)).collect();
    for path in &settings {
        runner(&fixture_plugin(), path, &["reconcile"]).ok();
    }
    // Both start before either has an entry to find (the cache is empty).
    let children: Vec<_> = settings
        .iter()
        .map(|path| {
            std::process::Command::new(env!("CARGO_BIN_EXE_runner"))
                .arg("--plugin")
                .arg(fixture_plugin())
                .arg(path)
                .arg("prepare")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut encoded = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        encoded += usize::from(!String::from_utf8_lossy(&output.stdout).contains(REUSED));
    }
    // Usually both found the cache empty and wrote the same key; the outcome must not depend on it.
    println!("{encoded} of 2 processes encoded the inputs");
    assert_eq!(prepared_bytes(&exp, names[0]), prepared_bytes(&exp, names[1]));
    let entries = cache_entries(&exp);
    assert_eq!(entries.len(), 1, "{entries:?}");
    // Complete: entry.toml lists every split, and each file has the hash it records.
    let checked = python_json(
        r#"
import hashlib, json, pathlib, sys, tomllib
entry = pathlib.Path(sys.argv[1])
manifest = tomllib.loads((entry / "entry.toml").read_text())
files = {split: hashlib.sha256((entry / f"{split}.parquet").read_bytes()).hexdigest() == file["sha256"]
         for split, file in manifest["files"].items()}
leftovers = sorted(p.name for p in entry.iterdir() if p.name != "entry.toml" and p.suffix != ".parquet")
print(json.dumps({"files": files, "leftovers": leftovers}))
"#,
        &[&entries[0]],
    );
    assert_eq!(checked["files"], serde_json::json!({"test": true, "train": true, "validation": true}));
    assert_eq!(checked["leftovers"], serde_json::json!([]), "no temporary files left");
}
