//! The error type of this crate: every failure names the file it came from, so a plugin can hand
//! it to the user as one line (it converts into `PluginError` with `?`).

use std::path::PathBuf;

/// What can go wrong while building, loading or running an encoder.
#[derive(Debug, thiserror::Error)]
pub enum TransformerError {
    /// A file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// `config.json` is malformed or describes a model this crate cannot build.
    #[error("{}: {problem}", path.display())]
    Config {
        /// The `config.json` file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The weights file does not fit the configuration (missing, extra or misshapen tensors).
    #[error("{}: {problem}", path.display())]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What does not fit.
        problem: String,
    },
    /// `tokenizer.json` could not be loaded or used.
    #[error("{}: {problem}", path.display())]
    Tokenizer {
        /// The `tokenizer.json` file.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// Inputs of the wrong number, rank or kind.
    #[error("{0}")]
    Inputs(String),
    /// A libtorch error.
    #[error(transparent)]
    Torch(#[from] tch::TchError),
}
