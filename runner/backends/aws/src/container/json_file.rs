//! Reading the small JSON files SageMaker writes into `input/config/`, with errors that name the
//! file.

use super::ContainerError;
use serde_json::{Map, Value};
use std::path::Path;

/// The JSON object in the file at `path`.
///
/// # Errors
/// [`ContainerError::Read`] when the file cannot be read, [`ContainerError::Json`] when it is not
/// JSON or its top level is not an object.
pub(super) fn read_object(path: &Path) -> Result<Map<String, Value>, ContainerError> {
    let bytes = std::fs::read(path).map_err(|source| ContainerError::Read { path: path.to_path_buf(), source })?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|err| ContainerError::Json { path: path.to_path_buf(), message: err.to_string() })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ContainerError::Json {
            path: path.to_path_buf(),
            message: format!("expected an object at the top level, got {}", kind(&other)),
        }),
    }
}

/// What a JSON value is, for messages.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named() {
        let err = read_object(Path::new("/no/such/hyperparameters.json")).unwrap_err();
        assert!(err.to_string().starts_with("/no/such/hyperparameters.json: cannot read: "), "{err}");
    }

    #[test]
    fn bad_json_names_the_file_and_the_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resourceconfig.json");
        std::fs::write(&path, "{\"hosts\": [").unwrap();
        let message = read_object(&path).unwrap_err().to_string();
        assert!(message.starts_with(&format!("{}: invalid JSON: ", path.display())), "{message}");
        assert!(message.contains("line 1"), "{message}");
        std::fs::write(&path, "[1]").unwrap();
        let message = read_object(&path).unwrap_err().to_string();
        assert!(message.ends_with("invalid JSON: expected an object at the top level, got an array"), "{message}");
    }
}
