//! Process groups for data-parallel training, built on PyTorch's own c10d: a TCPStore rendezvous
//! and the Gloo (CPU) or NCCL (CUDA) backend that libtorch already contains, reached through a
//! small C++ shim (`native/c10d_shim.cpp`). Groups speak torch.distributed's protocol and store
//! key layout, so an mlpipe rank can join a group with `torchrun`-launched or plain Python ranks.
//!
//! [`ProcessGroup::new`] rendezvouses; its collectives take many tensors at once, coalesce them
//! into ~25 MB buckets and return once the result is in place.
#![warn(missing_docs)]

mod backend;
mod bucket;
mod config;
mod error;
mod ffi;
mod group;
mod store_keys;

pub use backend::{nccl_available, nccl_compiled, Backend};
pub use config::{GroupConfig, ReduceOp};
pub use error::C10dError;
pub use group::ProcessGroup;
