//! What a caller asks of a process group: who it is, where to rendezvous, how long to wait, and
//! how reductions combine values.

use std::time::Duration;

use crate::Backend;

/// Everything [`ProcessGroup::new`](crate::ProcessGroup::new) needs to join a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupConfig {
    /// The c10d backend; every rank must use the same one.
    pub backend: Backend,
    /// This process's rank, `0..world_size`.
    pub rank: usize,
    /// How many ranks the group has.
    pub world_size: usize,
    /// Host of the TCPStore every rank rendezvouses through (`MASTER_ADDR`).
    pub master_addr: String,
    /// Port of that TCPStore (`MASTER_PORT`).
    pub master_port: u16,
    /// true: this process hosts the TCPStore (rank 0 without torchrun's agent store)
    pub is_store_server: bool,
    /// How long rendezvous and each collective may take before they fail.
    pub timeout: Duration,
}

/// How [`ProcessGroup::all_reduce`](crate::ProcessGroup::all_reduce) combines the ranks' values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReduceOp {
    /// Element-wise sum.
    Sum,
    /// Element-wise maximum.
    Max,
    /// Element-wise minimum.
    Min,
}

impl ReduceOp {
    /// The shim's code for this operation (`mlpipe_c10d_all_reduce`).
    pub(crate) fn code(self) -> i32 {
        match self {
            ReduceOp::Sum => 0,
            ReduceOp::Max => 1,
            ReduceOp::Min => 2,
        }
    }
}
