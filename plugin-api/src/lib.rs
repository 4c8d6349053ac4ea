//! The plugin author's side of mlpipe. An experiment is a `cdylib` crate that implements
//! [`Experiment`] (the five user functions: `reconcile`, `labels`, `prepare`, `ordered_input_keys`,
//! `load_model`) and adds one line, [`export_experiment!`]. Everything that crosses the library
//! boundary (abi_stable's root module, FFI-safe mirrors of every type, panic catching, version
//! checks) lives in the private `ffi` and `export` modules; the host's side of the same boundary
//! lives in [`host`]. Plugin authors see plain Rust and `tch`.
//!
//! A whole plugin is one type implementing [`Experiment`] (its example is a complete plugin) and
//! a model implementing [`Model`], usually through [`VarStoreModel`]. `runner new DIR` writes a
//! crate that builds as it is, and `runner check --plugin LIB.so settings.ini` checks a plugin
//! against this contract in seconds.
//!
//! ```ignore
//! use mlpipe_plugin_api::{export_experiment, Context, Experiment, Features, Model, PluginError,
//!     Record, RecordSink};
//! struct MyExp;
//! impl Experiment for MyExp { /* ... */ }
//! export_experiment!(MyExp);
//! ```

#![warn(missing_docs)]

mod context;
mod error;
mod experiment;
mod export;
mod ffi;
pub mod host;
mod model;
mod record;
mod version;

pub use context::Context;
pub use error::PluginError;
pub use experiment::{Experiment, RecordSink};
pub use model::{load_var_store, save_var_store, sorted_variables, Model, VarStoreModel};
pub use record::{Features, Record, Split, Values};
pub use tch;
pub use version::{TorchAbi, PLUGIN_API_VERSION};

/// Implementation details used by [`export_experiment!`]; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::export::{call_root_module_loader, root_module, CheckTypeLayout, LibHeader, RootModuleResult};
    pub use crate::ffi::PluginModRef;
}
