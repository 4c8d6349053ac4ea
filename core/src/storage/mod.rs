//! Where pipeline files live: an object store with whole objects under `/`-separated keys (see
//! [`Storage`]). [`LocalStorage`] keeps them in a directory with atomic writes; an S3 backend
//! implements the same trait. Every backend passes the same [`conformance`] suite.

mod atomic_file;
#[doc(hidden)]
pub mod conformance;
mod error;
mod key;
mod local_dir;
mod memory;
mod store;

pub use error::StorageError;
pub use key::{validate_key, validate_prefix, validate_segment, TEMP_PREFIX};
pub use local_dir::{local, LocalStorage};
pub use memory::MemoryStorage;
pub use store::Storage;
