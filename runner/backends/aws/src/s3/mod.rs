//! The S3 storage backend: [`S3Storage`] implements mlpipe-core's `Storage` trait on a bucket and
//! key prefix, [`open_root`] opens the one that `[experiment] root = s3://bucket/prefix` names,
//! and [`S3Config`] holds the client and upload settings.

mod bucket;
mod client;
mod config;
mod download;
mod errors;
mod location;
mod multipart;
mod open;
pub(crate) mod runtime;
mod storage;

pub use client::build_client;
pub use config::{S3Config, MAX_PARTS, MIB, MIN_PART_SIZE};
pub use open::{open_root, open_root_with};
pub use storage::S3Storage;
