//! Data-parallel training across processes and hosts: where a worker sits ([`env`]) and its
//! replica's collectives over PyTorch's c10d ([`replica`]). The processes themselves are started by
//! the runner's launcher or by `torchrun`.

pub mod env;
pub mod replica;

pub use env::{HostPlan, WorkerEnv};
pub use replica::{shard_rows, Replica};
