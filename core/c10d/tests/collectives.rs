//! End-to-end tests of mlpipe-c10d over real sockets on 127.0.0.1. Each test runs every rank of a
//! Gloo group in its own thread of this process (rank 0 hosting the TCPStore on a free port), or
//! pairs one Rust rank with a Python rank running torch.distributed.
//!
//! Index:
//! - `gloo`: collective results — all_reduce sum/max over mixed dtypes and shapes (world 2 and 3),
//!   broadcast from rank 1, all_gather order, barrier, a > 25 MB multi-bucket all_reduce, and the
//!   timing of a ~23 MB all_reduce (printed; run with `--nocapture` to see it).
//! - `failures`: nothing hangs or crashes — rendezvous with a missing peer, collectives after a
//!   peer dropped its group or froze, invalid arguments, NCCL without a GPU, abort.
//! - `python`: Rust and Python ranks in one group, each side hosting the store in turn.
//! - `nccl`: the collectives over NCCL on CUDA tensors, one rank per GPU; ignored (not run)
//!   unless the machine that built the tests has a GPU, when the "NCCL without a GPU" test of
//!   `failures` is ignored instead.

#[path = "collectives/harness.rs"]
mod harness;

#[path = "collectives/failures.rs"]
mod failures;
#[path = "collectives/gloo.rs"]
mod gloo;
#[path = "collectives/nccl.rs"]
mod nccl;
#[path = "collectives/python.rs"]
mod python;
