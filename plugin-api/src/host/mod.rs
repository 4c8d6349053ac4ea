//! The host's side of the boundary: loading a plugin library with every failure turned into one
//! clear line, and wrappers that give the host the plain-Rust API back ([`HostExperiment`],
//! [`HostModel`]) with a returned error and a panic told apart ([`CallError`]).

mod experiment;
mod load;
mod model;

pub use experiment::{CallError, Either, HostExperiment};
pub use load::{LoadError, PluginLibrary};
pub use model::HostModel;
