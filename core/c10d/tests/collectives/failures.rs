//! Failures surface as typed errors within about the configured timeout: a missing, departed or
//! frozen peer never hangs a rank or crashes the process, and bad arguments fail before any
//! communication.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use mlpipe_c10d::{nccl_available, nccl_compiled, Backend, C10dError, ProcessGroup, ReduceOp};
use tch::Tensor;

use crate::harness::{config, free_port, run_ranks};

const SHORT: Duration = Duration::from_secs(2);
/// Generous bound on "failed instead of hanging": the timeout plus slack for a loaded machine.
const FAIL_WITHIN: Duration = Duration::from_secs(20);

#[test]
fn rendezvous_fails_in_time_when_a_peer_never_joins() {
    let port = free_port();
    let start = Instant::now();
    let err = ProcessGroup::new(&config(0, 2, port, SHORT)).expect_err("rank 1 never joins");
    let elapsed = start.elapsed();
    eprintln!("rank 0 alone: rendezvous failed after {elapsed:?}: {err}");
    assert!(elapsed < FAIL_WITHIN, "took {elapsed:?}");
    let C10dError::Rendezvous { rank: 0, world_size: 2, ref address, .. } = err else { panic!("unexpected {err:?}") };
    assert_eq!(*address, format!("127.0.0.1:{port}"));
    let text = err.to_string();
    assert!(text.starts_with(&format!("rendezvous of rank 0 of 2 at 127.0.0.1:{port} failed: ")), "{text}");

    // A client with no store server behind the port.
    let start = Instant::now();
    let err = ProcessGroup::new(&config(1, 2, free_port(), SHORT)).expect_err("nobody hosts the store");
    let elapsed = start.elapsed();
    eprintln!("rank 1 without a store server: rendezvous failed after {elapsed:?}: {err}");
    assert!(elapsed < FAIL_WITHIN, "took {elapsed:?}");
    assert!(matches!(err, C10dError::Rendezvous { rank: 1, .. }), "{err:?}");
}

/// Both ranks join and sync; `leaver` then drops its group, after which the other rank's
/// all_reduce must fail. Returns the survivor's error and how long the all_reduce took.
fn all_reduce_after_peer_left(leaver: usize) -> (C10dError, Duration) {
    let left = Arc::new(Barrier::new(2));
    let results = run_ranks(2, SHORT, move |group| {
        group.barrier().expect("both ranks are up");
        if group.rank() == leaver {
            drop(group);
            left.wait();
            return None;
        }
        left.wait();
        let start = Instant::now();
        let err = group.all_reduce(&[Tensor::from_slice(&[1f32, 2.])], ReduceOp::Sum).expect_err("peer is gone");
        Some((err, start.elapsed()))
    });
    results.into_iter().flatten().next().expect("the survivor's result")
}

#[test]
fn collective_fails_when_the_peer_dropped_its_group() {
    for leaver in [1, 0] {
        let (err, elapsed) = all_reduce_after_peer_left(leaver);
        eprintln!("rank {leaver} dropped its group: all_reduce failed after {elapsed:?}: {err}");
        // A closed connection, noticed before the timeout would have fired.
        assert!(elapsed < SHORT, "took {elapsed:?} with a {SHORT:?} timeout");
        assert!(!err.to_string().contains("timed out"), "a closed connection, not a timeout: {err}");
        assert!(matches!(err, C10dError::Collective { op: "all_reduce", world_size: 2, .. }), "{err:?}");
    }
}

#[test]
fn collective_fails_in_time_when_the_peer_is_frozen() {
    let done = Arc::new(Barrier::new(2));
    let results = run_ranks(2, SHORT, move |group| {
        if group.rank() == 1 {
            // Alive and connected, but never joins the collective until rank 0 has given up.
            done.wait();
            return None;
        }
        let start = Instant::now();
        let result = group.all_reduce(&[Tensor::from_slice(&[1f64])], ReduceOp::Sum);
        let elapsed = start.elapsed();
        done.wait();
        Some((result.expect_err("rank 1 never takes part"), elapsed))
    });
    let (err, elapsed) = results.into_iter().flatten().next().expect("rank 0's result");
    eprintln!("frozen peer: all_reduce failed after {elapsed:?}: {err}");
    // A timeout: not before the group's timeout, and well before FAIL_WITHIN.
    assert!(elapsed >= SHORT && elapsed < FAIL_WITHIN, "took {elapsed:?} with a {SHORT:?} timeout");
    assert!(matches!(err, C10dError::Collective { op: "all_reduce", rank: 0, .. }), "{err:?}");
    assert!(err.to_string().ends_with("Operation timed out!"), "not a timeout: {err}");
}

#[test]
fn invalid_arguments_fail_before_any_communication() {
    let invalid = |result: Result<ProcessGroup, C10dError>| match result {
        Err(C10dError::InvalidArgument { .. }) => {}
        other => panic!("expected InvalidArgument, got {other:?}"),
    };
    invalid(ProcessGroup::new(&config(2, 2, free_port(), SHORT)));
    invalid(ProcessGroup::new(&config(0, 1, free_port(), Duration::ZERO)));

    let group = ProcessGroup::new(&config(0, 1, free_port(), SHORT)).expect("a group of one");
    let transposed = Tensor::from_slice(&[1f32, 2., 3., 4., 5., 6.]).view([2, 3]).transpose(0, 1);
    let err = group.all_reduce(&[Tensor::from(1f32), transposed.shallow_clone()], ReduceOp::Sum).unwrap_err();
    assert!(matches!(err, C10dError::InvalidArgument { op: "all_reduce", .. }), "{err:?}");
    assert_eq!(err.to_string(), "invalid argument to all_reduce: tensor 1 is not contiguous");
    let err = group.all_gather(&transposed).unwrap_err();
    assert!(matches!(err, C10dError::InvalidArgument { op: "all_gather", .. }), "{err:?}");
    let err = group.broadcast(&[Tensor::from(1f32)], 1).unwrap_err();
    assert!(matches!(err, C10dError::InvalidArgument { op: "broadcast", .. }), "{err:?}");
    // The group is still usable after rejected calls.
    let ones = [Tensor::from_slice(&[1f32, 1.])];
    group.all_reduce(&ones, ReduceOp::Sum).expect("a world of one sums to itself");
    assert_eq!(Vec::<f32>::try_from(&ones[0]).unwrap(), [1., 1.]);
}

#[test]
#[cfg_attr(mlpipe_cuda_device, ignore = "a GPU is present: collectives/nccl.rs runs NCCL instead")]
fn nccl_without_a_gpu_is_unavailable() {
    eprintln!("nccl compiled: {}, available: {}", nccl_compiled(), nccl_available());
    assert!(!nccl_available(), "NCCL is available although no GPU was found when the tests were built: rebuild them");
    let mut nccl = config(0, 1, free_port(), SHORT);
    nccl.backend = Backend::Nccl;
    let err = ProcessGroup::new(&nccl).expect_err("no NCCL here");
    assert!(matches!(err, C10dError::Unavailable { backend: Backend::Nccl, .. }), "{err:?}");
    assert!(err.to_string().starts_with("the nccl backend is unavailable: "), "{err}");
}

#[test]
fn abort_makes_later_calls_fail() {
    let group = ProcessGroup::new(&config(0, 1, free_port(), SHORT)).expect("a group of one");
    group.barrier().expect("barrier before abort");
    group.abort();
    let err = group.all_reduce(&[Tensor::from(1f32)], ReduceOp::Max).unwrap_err();
    assert!(matches!(err, C10dError::Aborted { op: "all_reduce", rank: 0, world_size: 1 }), "{err:?}");
    assert!(matches!(group.barrier(), Err(C10dError::Aborted { op: "barrier", .. })));
    assert!(format!("{group:?}").contains("aborted: true"));
}
