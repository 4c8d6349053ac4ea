//! Everything that can go wrong creating a process group or running a collective. Messages carry
//! the rank, the world size and, for rendezvous, the store address, followed by c10d's own message.

use crate::Backend;

/// An error from this crate.
#[derive(Debug, thiserror::Error)]
pub enum C10dError {
    /// Connecting to the TCPStore or to the peers failed or timed out.
    #[error("rendezvous of rank {rank} of {world_size} at {address} failed: {message}")]
    Rendezvous {
        /// This process's rank.
        rank: usize,
        /// The number of processes in the group.
        world_size: usize,
        /// The TCPStore's `host:port`.
        address: String,
        /// c10d's own message.
        message: String,
    },
    /// A collective failed: a peer died, closed its group or did not take part in time.
    #[error("{op} failed on rank {rank} of {world_size}: {message}")]
    Collective {
        /// The operation (e.g. `allreduce`).
        op: &'static str,
        /// This process's rank.
        rank: usize,
        /// The number of processes in the group.
        world_size: usize,
        /// c10d's own message.
        message: String,
    },
    /// A collective was called after [`ProcessGroup::abort`](crate::ProcessGroup::abort).
    #[error("{op} called on rank {rank} of {world_size} after the process group was aborted")]
    Aborted {
        /// The operation (e.g. `allreduce`).
        op: &'static str,
        /// This process's rank.
        rank: usize,
        /// The number of processes in the group.
        world_size: usize,
    },
    /// The backend cannot be used in this build or on this machine.
    #[error("the {backend} backend is unavailable: {reason}")]
    Unavailable {
        /// The backend asked for.
        backend: Backend,
        /// Why it cannot be used.
        reason: String,
    },
    /// The caller passed something the operation cannot use (bad rank, tensor layout or device).
    #[error("invalid argument to {op}: {reason}")]
    InvalidArgument {
        /// The operation (e.g. `allreduce`).
        op: &'static str,
        /// Why it cannot be used.
        reason: String,
    },
    /// Flattening tensors into a bucket or copying results back failed in libtorch.
    #[error("{op} could not move tensors in or out of a bucket")]
    Tensor {
        /// The operation (e.g. `allreduce`).
        op: &'static str,
        /// libtorch's error.
        #[source]
        source: tch::TchError,
    },
}
