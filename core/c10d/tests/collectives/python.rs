//! Rust and Python ranks in one Gloo group: proves the shim speaks c10d's own protocol and store
//! key layout. The Python rank is `.venv/bin/python` running torch.distributed with a `tcp://`
//! init method; each test hosts the store on a different side.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mlpipe_c10d::{ProcessGroup, ReduceOp};
use tch::{Device, Kind, Tensor};

use crate::harness::{config, free_port, values, DEADLINE};

/// The Python rank: the same collectives as [`rust_rank`], then its results on one line.
const PYTHON_RANK: &str = r#"
import datetime, sys
import torch, torch.distributed as dist
rank, port = int(sys.argv[1]), int(sys.argv[2])
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2,
                        timeout=datetime.timedelta(seconds=60))
t = torch.tensor([1.0, 2.0, 3.0]) * (rank + 1)
dist.all_reduce(t)
b = torch.full((2, 2), float(rank + 1), dtype=torch.float64)
dist.broadcast(b, src=0)
gathered = [torch.zeros(2, dtype=torch.int64) for _ in range(2)]
dist.all_gather(gathered, torch.tensor([rank, 10 + rank]))
dist.barrier()
print("RESULT", t.tolist(), b.flatten().tolist(), [g.tolist() for g in gathered], flush=True)
dist.destroy_process_group()
"#;

/// What the Python rank prints when every collective combined both ranks correctly.
const PYTHON_EXPECTED: &str = "RESULT [3.0, 6.0, 9.0] [1.0, 1.0, 1.0, 1.0] [[0, 10], [1, 11]]";

/// The project's Python (`.venv/bin/python`, with the pinned torch).
///
/// # Panics
/// When it is missing: a test that cannot run its reference fails instead of passing unrun.
fn python() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(path.exists(), "{} is missing: run scripts/setup.sh", path.display());
    path
}

/// The Rust rank's side of [`PYTHON_RANK`], checking its own results.
fn rust_rank(group: &ProcessGroup) {
    let rank = group.rank();
    let t = Tensor::from_slice(&[1f32, 2., 3.]) * (rank as f64 + 1.0);
    group.all_reduce(std::slice::from_ref(&t), ReduceOp::Sum).expect("all_reduce with python");
    assert_eq!(values(&t), [3.0, 6.0, 9.0]);
    let b = Tensor::full([2, 2], rank as f64 + 1.0, (Kind::Double, Device::Cpu));
    group.broadcast(std::slice::from_ref(&b), 0).expect("broadcast with python");
    assert_eq!(values(&b), [1.0; 4]);
    let gathered = group.all_gather(&Tensor::from_slice(&[rank as i64, 10 + rank as i64])).expect("all_gather");
    assert_eq!(gathered.iter().map(values).collect::<Vec<_>>(), [[0.0, 10.0], [1.0, 11.0]]);
    group.barrier().expect("barrier with python");
}

/// Runs one Rust rank (`rust_rank_index`) against a Python rank and checks both sides.
fn run_with_python(rust_rank_index: usize) {
    let python = python();
    let port = free_port();
    let python_rank = 1 - rust_rank_index;
    let mut child = Command::new(python)
        .args(["-c", PYTHON_RANK, &python_rank.to_string(), &port.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start python");
    // Python needs a few seconds to import torch; the timeout covers that.
    let group = ProcessGroup::new(&config(rust_rank_index, 2, port, Duration::from_secs(45)));
    let group = group.unwrap_or_else(|err| panic!("rendezvous with python failed: {err}\n{}", finish(&mut child).1));
    rust_rank(&group);
    let (status, output) = finish(&mut child);
    drop(group);
    assert!(status, "python rank failed:\n{output}");
    assert!(output.lines().any(|line| line == PYTHON_EXPECTED), "python printed:\n{output}");
}

/// Waits for the child (killing it after [`DEADLINE`]); returns success and stdout + stderr.
fn finish(child: &mut Child) -> (bool, String) {
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("poll python") {
            break status.success();
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut output = String::new();
    for stream in
        [child.stdout.take().map(|s| Box::new(s) as Box<dyn Read>), child.stderr.take().map(|s| Box::new(s) as _)]
            .into_iter()
            .flatten()
    {
        let mut stream = stream;
        let _ = stream.read_to_string(&mut output);
    }
    (status, output)
}

#[test]
fn rust_rank_0_hosts_the_store_for_a_python_rank() {
    run_with_python(0);
}

#[test]
fn rust_rank_1_joins_a_store_hosted_by_python() {
    // The client path, as every rank takes under torchrun's agent store.
    run_with_python(1);
}
