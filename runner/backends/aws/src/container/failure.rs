//! [`write_failure`]: SageMaker shows the first kilobyte of `/opt/ml/output/failure` as a failed
//! job's reason, so the error that stopped the job is written there as one line.

use super::{ContainerError, OptMl};

/// The most SageMaker shows of the failure reason.
pub const MAX_FAILURE_BYTES: usize = 1024;

/// Writes `message` to [`OptMl::failure`] as one line (line breaks become spaces), cut to
/// [`MAX_FAILURE_BYTES`] at a character boundary. The caller then exits non-zero.
///
/// # Errors
/// [`ContainerError::Write`] when the file or its folder cannot be written.
pub fn write_failure(opt_ml: &OptMl, message: &str) -> Result<(), ContainerError> {
    let path = opt_ml.failure();
    let line = one_line(message);
    let write_error = |source| ContainerError::Write { path: path.clone(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(write_error)?;
    }
    std::fs::write(&path, line).map_err(write_error)
}

fn one_line(message: &str) -> String {
    let line: String = message.trim().chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    let mut end = line.len().min(MAX_FAILURE_BYTES);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_one_line_of_at_most_a_kilobyte() {
        assert_eq!(one_line("a\nb\r\nc\n"), "a b  c");
        let long = "é".repeat(600); // 1200 bytes: the cut falls between the two bytes of one 'é'
        let cut = one_line(&long);
        assert_eq!(cut.len(), 1024);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn the_failure_file_and_its_folder_are_created() {
        let dir = tempfile::tempdir().unwrap();
        let opt_ml = OptMl::at(dir.path());
        write_failure(&opt_ml, "hyperparameters.json: mlpipe.model: required key is missing\n").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("output/failure")).unwrap(),
            "hyperparameters.json: mlpipe.model: required key is missing"
        );
    }
}
