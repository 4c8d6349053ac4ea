//! Shared helpers: free ports, group configs, running all ranks of a group in threads with a
//! deadline (a broken collective fails the test instead of hanging it), and reading tensors back.

use std::net::TcpListener;
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use mlpipe_c10d::{Backend, GroupConfig, ProcessGroup};
use tch::{Kind, Tensor};

/// Longest any multi-rank test may take before it is declared hung.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// A TCP port that was free a moment ago (bound to port 0, read, released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}

/// A Gloo group on 127.0.0.1:`port` in which rank 0 hosts the store.
pub fn config(rank: usize, world_size: usize, port: u16, timeout: Duration) -> GroupConfig {
    config_on(Backend::Gloo, rank, world_size, port, timeout)
}

/// A `backend` group on 127.0.0.1:`port` in which rank 0 hosts the store.
pub fn config_on(backend: Backend, rank: usize, world_size: usize, port: u16, timeout: Duration) -> GroupConfig {
    GroupConfig {
        backend,
        rank,
        world_size,
        master_addr: "127.0.0.1".to_string(),
        master_port: port,
        is_store_server: rank == 0,
        timeout,
    }
}

/// Creates a `world_size`-rank group (one thread per rank, `timeout` per operation) and runs
/// `body` on each rank's group; returns the results by rank.
///
/// # Panics
/// When a rank cannot join, its body panics, or not every rank is done within [`DEADLINE`].
pub fn run_ranks<T, F>(world_size: usize, timeout: Duration, body: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(ProcessGroup) -> T + Send + Sync + 'static,
{
    run_ranks_on(Backend::Gloo, world_size, timeout, body)
}

/// [`run_ranks`] with a `backend` group.
///
/// # Panics
/// As [`run_ranks`].
pub fn run_ranks_on<T, F>(backend: Backend, world_size: usize, timeout: Duration, body: F) -> Vec<T>
where
    T: Send + 'static,
    F: Fn(ProcessGroup) -> T + Send + Sync + 'static,
{
    let port = free_port();
    let body = Arc::new(body);
    let (sender, receiver) = mpsc::channel();
    for rank in 0..world_size {
        let (body, sender) = (Arc::clone(&body), sender.clone());
        thread::spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let group = ProcessGroup::new(&config_on(backend, rank, world_size, port, timeout))
                    .unwrap_or_else(|err| panic!("rank {rank} could not join: {err}"));
                body(group)
            }));
            let _ = sender.send((rank, outcome));
        });
    }
    let mut results: Vec<Option<T>> = (0..world_size).map(|_| None).collect();
    for _ in 0..world_size {
        let (rank, outcome) = receiver.recv_timeout(DEADLINE).expect("every rank finishes before the deadline");
        match outcome {
            Ok(value) => results[rank] = Some(value),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
    results.into_iter().map(|value| value.expect("one result per rank")).collect()
}

/// A tensor's values, flattened and converted to f64 (exact for the small values tests use).
pub fn values(tensor: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(tensor.to_kind(Kind::Double).reshape([-1])).expect("read tensor values")
}
