//! The pipeline steps. Each takes a [`Job`](crate::job::Job) and the opened plugin, reads the
//! previous step's files through storage and writes its own, manifest last.

mod prepare;
mod reconcile;
mod snapshot;

pub use prepare::{prepare, PrepareReport};
pub use reconcile::{reconcile, ReconcileReport};
pub use snapshot::Existing;
