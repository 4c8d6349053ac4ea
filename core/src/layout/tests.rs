//! Tests of the layout: documented keys, name validation, run listing and concurrent allocation.

use super::*;
use crate::storage::Storage;
use crate::storage::{LocalStorage, MemoryStorage};
use std::sync::Barrier;

fn news() -> ExperimentLayout {
    ExperimentLayout::new("news").unwrap()
}

#[test]
fn keys_follow_the_documented_layout() {
    let (exp, run) = (news(), news().run(12));
    let r = "news/runs/12";
    let cases = [
        (exp.records(), "news/data/reconciled/records.parquet".to_owned()),
        (exp.id2label(), "news/data/id2label.json".into()),
        (exp.data_manifest(), "news/data/manifest.toml".into()),
        (exp.prepared("test").unwrap(), "news/data/prepared/test.parquet".into()),
        (exp.data_archive_prefix("20250102T0304Z").unwrap(), "news/archive/data-20250102T0304Z/".into()),
        (run.claim(), format!("{r}/claim.toml")),
        (run.settings(), format!("{r}/settings.ini")),
        (run.model_file("bert").unwrap(), format!("{r}/training/bert/model.pt")),
        (run.weights("bert").unwrap(), format!("{r}/training/bert/weights.safetensors")),
        (run.curve("bert", "loss").unwrap(), format!("{r}/training/bert/curves/loss.png")),
        (run.checkpoint("bert", "step-3").unwrap(), format!("{r}/training/bert/checkpoints/step-3.safetensors")),
        (run.tuning_trials(), format!("{r}/tuning/trials.jsonl")),
        (run.per_label("bert").unwrap(), format!("{r}/inference/bert/per_label.csv")),
        (run.report(), format!("{r}/inference/report.html")),
    ];
    for (key, expected) in cases {
        assert_eq!(key, expected);
    }
}

#[test]
fn a_replaced_snapshot_is_archived_under_its_utc_time_then_numbered_attempts() {
    use chrono::TimeZone;
    let time = chrono::Utc.with_ymd_and_hms(2025, 1, 2, 3, 4, 5).unwrap();
    assert_eq!(news().snapshot_archive_prefix("data", time, 1).unwrap(), "news/archive/data-20250102T030405Z/");
    assert_eq!(
        news().snapshot_archive_prefix("prepared", time, 3).unwrap(),
        "news/archive/prepared-20250102T030405Z-3/"
    );
    assert!(news().snapshot_archive_prefix("a/b", time, 1).is_err());
}

#[test]
fn every_key_is_a_valid_storage_key() {
    let run = news().run(1);
    for key in [run.settings(), run.metrics("m").unwrap(), run.comparison(), news().records()] {
        crate::storage::validate_key(&key).unwrap();
    }
    for prefix in [run.prefix(), run.training_dir("m").unwrap(), news().data_prefix()] {
        crate::storage::validate_prefix(&prefix).unwrap();
    }
}

#[test]
fn names_must_be_single_segments() {
    for bad in ["", "a/b", "..", "x\\y"] {
        assert!(ExperimentLayout::new(bad).unwrap_err().is_invalid_key(), "{bad:?}");
        assert!(news().run(1).model_file(bad).is_err(), "{bad:?}");
    }
    assert!(news().run(1).curve("m", "a/b").is_err());
    assert!(news().prepared("../x").is_err());
    assert!(news().data_archive_prefix("a/b").is_err());
}

#[test]
fn list_runs_ignores_folders_that_are_not_run_numbers() {
    let storage = MemoryStorage::new();
    let exp = news();
    for key in ["10/x", "2/claim.toml", "1/a/b", "007/x", "tmp/x", "README.md", "-3/x"] {
        storage.put(&format!("{}{key}", exp.runs_prefix()), b"").unwrap();
    }
    assert_eq!(list_runs(&storage, &exp).unwrap(), [1, 2, 10]);
}

#[test]
fn run_numbers_start_at_one_and_follow_the_highest() {
    let storage = MemoryStorage::new();
    let exp = news();
    assert_eq!(allocate_run(&storage, &exp, b"first").unwrap().num(), 1);
    // A run without a claim (copied in by hand) still counts.
    storage.put(&exp.run(3).settings(), b"").unwrap();
    let run = allocate_run(&storage, &exp, b"next").unwrap();
    assert_eq!(run.num(), 4);
    assert_eq!(storage.get(&run.claim()).unwrap(), b"next");
}

#[test]
fn concurrent_allocations_from_separate_storages_get_distinct_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let barrier = Barrier::new(8);
    let mut nums: Vec<(u64, usize)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (root, barrier) = (dir.path().to_owned(), &barrier);
                s.spawn(move || {
                    // One storage per thread, as separate processes would have.
                    let storage = LocalStorage::new(root);
                    barrier.wait();
                    let run = allocate_run(&storage, &news(), i.to_string().as_bytes()).unwrap();
                    (run.num(), i)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    nums.sort();
    assert_eq!(nums.iter().map(|(n, _)| *n).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());
    let storage = LocalStorage::new(dir.path().to_owned());
    for (num, writer) in nums {
        let claim = storage.get(&news().run(num).claim()).unwrap();
        assert_eq!(claim, writer.to_string().as_bytes(), "run {num} belongs to its allocator");
    }
}
