//! [`ProcessingContract`]: a SageMaker processing job (`reconcile`, `prepare`, `infer`) gets its
//! settings as the input `config` at `/opt/ml/processing/input/config/settings.ini` and runs against
//! the settings' own `[experiment] root` (an `s3://` root it writes to directly), so the only thing
//! to find is that file.

use super::{ContainerError, OptMl};
use std::path::PathBuf;

/// A processing job's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingContract {
    /// The settings file to run the step with.
    pub settings_path: PathBuf,
}

impl ProcessingContract {
    /// Finds the settings file under `opt_ml`.
    ///
    /// # Errors
    /// [`ContainerError::Read`] naming the file when it is missing or not a file.
    pub fn read(opt_ml: &OptMl) -> Result<Self, ContainerError> {
        let settings_path = opt_ml.processing_settings();
        match std::fs::metadata(&settings_path) {
            Ok(meta) if meta.is_file() => Ok(Self { settings_path }),
            Ok(_) => Err(ContainerError::Read {
                source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file"),
                path: settings_path,
            }),
            Err(source) => Err(ContainerError::Read { path: settings_path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_file_is_found_or_named() {
        let dir = tempfile::tempdir().unwrap();
        let opt_ml = OptMl::at(dir.path());
        let err = ProcessingContract::read(&opt_ml).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}: cannot read: ", opt_ml.processing_settings().display())), "{err}");
        std::fs::create_dir_all(opt_ml.processing_settings().parent().unwrap()).unwrap();
        std::fs::write(opt_ml.processing_settings(), "[experiment]\n").unwrap();
        assert_eq!(ProcessingContract::read(&opt_ml).unwrap().settings_path, opt_ml.processing_settings());
    }
}
