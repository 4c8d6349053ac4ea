//! [`ContainerError`]: what can go wrong reading SageMaker's `/opt/ml` files and laying out or
//! exporting the job inside the container. Every message is one line that names the file (and the
//! key in it) at fault, because it ends up verbatim in `/opt/ml/output/failure`, which SageMaker
//! shows as the job's failure reason.

use mlpipe_core::settings::SettingsError;
use mlpipe_core::storage::StorageError;
use std::path::PathBuf;

/// A problem with the container contract.
#[derive(Debug, thiserror::Error)]
pub enum ContainerError {
    /// A contract file (or channel) that cannot be read: missing, or not readable.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A contract file that is not JSON, or not the JSON shape expected.
    #[error("{}: invalid JSON: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What is wrong, lowercase.
        message: String,
    },
    /// One key of a contract file is missing or has a bad value (a hyperparameter override that the
    /// settings reject is reported here too, under its hyperparameter name).
    #[error("{}: {key}: {problem}", path.display())]
    Key {
        /// The file.
        path: PathBuf,
        /// The key as written in the file, e.g. `mlpipe.model` or `training.epochs`.
        key: String,
        /// What is wrong, lowercase.
        problem: String,
    },
    /// The settings snapshot of the config channel is invalid (the message names its line).
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// Reading the trained run's files for export.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A run that has nothing to export for the model.
    #[error("{uri}: model {model} has not finished training in this run")]
    NotTrained {
        /// Where the model's outputs were looked for.
        uri: String,
        /// The model.
        model: String,
    },
    /// Writing a file or folder inside the container.
    #[error("{}: {source}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

impl ContainerError {
    /// The runner's exit code: 2 when the job's inputs are wrong (hyperparameters, resource
    /// config, settings), 1 when the job failed otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            ContainerError::Json { .. } | ContainerError::Key { .. } | ContainerError::Settings(_) => 2,
            _ => 1,
        }
    }
}

/// Lets the runner use `?` on container calls inside functions returning [`mlpipe_core::Error`]; input
/// problems keep exit code 2, as [`ContainerError::exit_code`] says.
impl From<ContainerError> for mlpipe_core::Error {
    fn from(err: ContainerError) -> Self {
        match err {
            ContainerError::Settings(err) => mlpipe_core::Error::Settings(err),
            ContainerError::Storage(err) => mlpipe_core::Error::Storage(err),
            ContainerError::Read { path, source } | ContainerError::Write { path, source } => {
                mlpipe_core::Error::Io { path, source }
            }
            err @ (ContainerError::Json { .. } | ContainerError::Key { .. }) => {
                mlpipe_core::Error::Unsupported { what: err.to_string() }
            }
            err @ ContainerError::NotTrained { .. } => mlpipe_core::Error::Internal { what: err.to_string() },
        }
    }
}
