//! mlpipe's engine: everything but the command line. Settings are parsed and validated in
//! [`settings`], experiment files are named in [`layout`] and stored through [`storage`], plugins are
//! loaded in [`plugin`], and the pipeline steps live in [`steps`] on top of the [`data`] files;
//! [`browse`] reads past runs back for the command line.
#![warn(missing_docs)]

pub mod browse;
pub mod clock;
pub mod data;
pub mod distributed;
pub mod doctor;
pub mod error;
pub mod hash;
pub mod job;
pub mod layout;
pub mod metrics;
pub mod pipeline;
pub mod plot;
pub mod plugin;
pub mod progress;
pub mod rng;
pub mod run_manifest;
pub mod scratch;
pub mod settings;
pub mod steps;
pub mod storage;
pub mod track;
pub mod train;
pub mod tune;

pub use error::{Error, Result};
