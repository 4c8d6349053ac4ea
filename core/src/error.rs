//! The error type of the engine. Every variant's message is one line that names what is at fault
//! (file, key, record, model); the runner prints it once and maps it to an exit code.

use crate::settings::SettingsError;
use crate::storage::StorageError;
use mlpipe_plugin_api::host::{CallError, LoadError};
use std::path::PathBuf;

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can stop a pipeline step.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The settings file is invalid.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The experiment's storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The plugin library could not be loaded.
    #[error(transparent)]
    PluginLoad(#[from] LoadError),
    /// A call into the plugin failed or panicked.
    #[error(transparent)]
    PluginCall(#[from] CallError),
    /// A record the plugin produced is unusable.
    #[error("record {id:?}: {problem}")]
    BadRecord {
        /// The record's id.
        id: String,
        /// What is wrong with it.
        problem: String,
    },
    /// `prepare` failed or gave inconsistent inputs for a record.
    #[error("prepare, model {model}, record {id:?}: {problem}")]
    Prepare {
        /// The model being prepared for.
        model: String,
        /// The record's id.
        id: String,
        /// What went wrong.
        problem: String,
    },
    /// The plugin's answers do not fit together (labels, input keys).
    #[error("plugin {function}: {problem}")]
    PluginContract {
        /// The plugin function whose answer is at fault.
        function: &'static str,
        /// What does not fit.
        problem: String,
    },
    /// A model misbehaved (wrong output shape, failing forward, missing input).
    #[error("model {model}: {problem}")]
    ModelContract {
        /// The model's name.
        model: String,
        /// What it did wrong.
        problem: String,
    },
    /// Training diverged.
    #[error("model {model}: loss became {value} at step {step}; {checkpoint}")]
    Diverged {
        /// The model's name.
        model: String,
        /// The optimiser step at which the loss stopped being finite.
        step: u64,
        /// The loss value (NaN or infinite).
        value: f64,
        /// Where training can resume from.
        checkpoint: String,
    },
    /// A step would replace an existing snapshot.
    #[error("{uri} already exists: {hint}")]
    SnapshotExists {
        /// The existing snapshot.
        uri: String,
        /// How to go on (e.g. `--force`).
        hint: String,
    },
    /// A step needs the output of an earlier one.
    #[error("{uri} not found: run the `{step}` step first")]
    MissingInput {
        /// The missing file or folder.
        uri: String,
        /// The step that writes it.
        step: &'static str,
    },
    /// Reading or writing a data file.
    #[error("{uri}: {message}")]
    DataFile {
        /// The file.
        uri: String,
        /// What went wrong.
        message: String,
    },
    /// Something outside mlpipe's control failed (threads, the OS).
    #[error("{what}")]
    Internal {
        /// What failed.
        what: String,
    },
    /// Distributed training failed: a peer is gone, stalled past the timeout, or drifted.
    #[error("distributed training: {what}")]
    Distributed {
        /// What failed.
        what: String,
    },
    /// A cloud service failed us: a SageMaker job that failed or was stopped, an API call refused.
    #[error("{what}")]
    Cloud {
        /// What failed.
        what: String,
    },
    /// The experiment tracker (MLflow) refused or could not be reached.
    #[error(transparent)]
    Tracking(#[from] mlpipe_tracking::TrackingError),
    /// A feature this build does not have (a usage error).
    #[error("{what}")]
    Unsupported {
        /// The missing feature.
        what: String,
    },
    /// A local file needed by the job.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl Error {
    /// The runner's exit code: 2 for bad settings or usage (including a feature this build lacks),
    /// 1 for a failed job.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Settings(_) | Error::Unsupported { .. } => 2,
            _ => 1,
        }
    }

    /// Builds a [`Error::DataFile`] from any displayable cause.
    pub fn data_file(uri: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Error::DataFile { uri: uri.into(), message: cause.to_string() }
    }
}
