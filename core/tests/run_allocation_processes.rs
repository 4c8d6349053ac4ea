//! Run numbers allocated by separate processes at once are distinct. The test re-runs its own
//! binary 8 times as child processes (selected by an environment variable), releases them
//! together through a start file, and checks they claimed runs 1..=8 with their own claim files.

use mlpipe_core::layout::{allocate_run, ExperimentLayout};
use mlpipe_core::storage::LocalStorage;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "MLPIPE_TEST_ALLOCATE_RUN_IN";
const TEST_NAME: &str = "eight_processes_get_eight_distinct_run_numbers";

#[test]
fn eight_processes_get_eight_distinct_run_numbers() {
    if let Some(dir) = std::env::var_os(CHILD_ENV) {
        return child(PathBuf::from(dir));
    }
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", TEST_NAME, "--nocapture", "--test-threads=1"])
                .env(CHILD_ENV, dir.path())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::fs::write(dir.path().join("go"), b"").unwrap();
    let mut claimed: Vec<(u64, u32)> = children
        .into_iter()
        .map(|child| {
            let pid = child.id();
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(output.status.success(), "child failed: {}", String::from_utf8_lossy(&output.stderr));
            let num = stdout
                .lines()
                .find_map(|line| line.split_once("allocated=").map(|(_, num)| num.trim()))
                .unwrap_or_else(|| panic!("no allocation line in {stdout}"))
                .parse()
                .unwrap();
            (num, pid)
        })
        .collect();
    claimed.sort();
    assert_eq!(claimed.iter().map(|(num, _)| *num).collect::<Vec<_>>(), (1..=8).collect::<Vec<_>>());
    for (num, pid) in claimed {
        let claim = std::fs::read_to_string(dir.path().join(format!("exp/runs/{num}/claim.toml"))).unwrap();
        assert_eq!(claim, format!("pid = {pid}\n"), "run {num} must hold its own process' claim");
    }
}

fn child(dir: PathBuf) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !dir.join("go").exists() {
        assert!(Instant::now() < deadline, "no start signal");
        std::thread::sleep(Duration::from_millis(1));
    }
    let storage = LocalStorage::new(dir);
    let layout = ExperimentLayout::new("exp").unwrap();
    let claim = format!("pid = {}\n", std::process::id());
    let run = allocate_run(&storage, &layout, claim.as_bytes()).unwrap();
    println!("allocated={}", run.num());
}
