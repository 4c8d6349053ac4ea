//! [`Hyperparameters`]: `input/config/hyperparameters.json` of a training job, as the request side
//! writes it: `mlpipe.model` (the one model this job trains), `mlpipe.run` (the host-side run,
//! informational) and settings overrides in `section.key` form. SageMaker passes every value as a
//! string, and clients often JSON-encode them once more (`"\"3e-05\""`); both forms are accepted.

use super::json_file::{kind, read_object};
use super::ContainerError;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The hyperparameter naming the model to train.
pub const MODEL_KEY: &str = "mlpipe.model";

/// The hyperparameter carrying the host-side run number.
pub const RUN_KEY: &str = "mlpipe.run";

/// The parsed hyperparameters of a training job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hyperparameters {
    /// The file they were read from (named in messages).
    pub path: PathBuf,
    /// `mlpipe.model`: the model this job trains.
    pub model: String,
    /// `mlpipe.run`: the run the host side allocated, when given; the container's own run numbers
    /// are separate.
    pub host_run: Option<u64>,
    /// Every `section.key` hyperparameter with its decoded value, in key order.
    pub overrides: Vec<(String, String)>,
    /// Whether the job is a trial of a hyperparameter tuning job (SageMaker adds
    /// `_tuning_objective_metric` to those).
    pub tuning_trial: bool,
}

/// The key SageMaker adds to the hyperparameters of a tuning job's training jobs.
const TUNING_MARK: &str = "_tuning_objective_metric";

impl Hyperparameters {
    /// Reads and checks the file at `path`.
    ///
    /// # Errors
    /// [`ContainerError::Read`] or [`ContainerError::Json`] naming the file; [`ContainerError::Key`]
    /// naming the key for a missing `mlpipe.model`, a non-numeric `mlpipe.run`, an unknown
    /// `mlpipe.*` key, a key that is not `section.key`, or a value that is not a string.
    pub fn read(path: &Path) -> Result<Self, ContainerError> {
        let key_error =
            |key: &str, problem: String| ContainerError::Key { path: path.to_path_buf(), key: key.into(), problem };
        let (mut model, mut host_run, mut overrides) = (None, None, Vec::new());
        let mut tuning_trial = false;
        for (key, value) in read_object(path)? {
            tuning_trial |= key == TUNING_MARK;
            if is_sagemakers_own(&key) {
                continue;
            }
            let value =
                decode(&value).ok_or_else(|| key_error(&key, format!("expected a string, got {}", kind(&value))))?;
            match key.as_str() {
                MODEL_KEY if value.trim().is_empty() => return Err(key_error(&key, "is empty".into())),
                MODEL_KEY => model = Some(value.trim().to_string()),
                RUN_KEY => {
                    let run = value.trim().parse::<u64>();
                    host_run = Some(run.map_err(|_| key_error(&key, format!("expected a run number, got {value:?}")))?);
                }
                other if other.starts_with("mlpipe.") => {
                    return Err(key_error(other, format!("unknown key (expected {MODEL_KEY} or {RUN_KEY})")));
                }
                other if !other.contains('.') => {
                    let expected = format!("expected a settings override `section.key`, {MODEL_KEY} or {RUN_KEY}");
                    return Err(key_error(other, expected));
                }
                _ => overrides.push((key, value)),
            }
        }
        let model = model.ok_or_else(|| key_error(MODEL_KEY, "required key is missing".into()))?;
        // Sorted whatever serde_json's map order is (another crate may turn on `preserve_order`).
        overrides.sort();
        Ok(Self { path: path.to_path_buf(), model, host_run, overrides, tuning_trial })
    }
}

/// Keys SageMaker (or its Python SDK) adds on its own, such as `_tuning_objective_metric` in tuning
/// jobs or `sagemaker_region`: not ours to interpret.
fn is_sagemakers_own(key: &str) -> bool {
    key.starts_with('_') || key.starts_with("sagemaker_")
}

/// The text of a hyperparameter value: a string, unwrapped once more when it is itself a
/// JSON-encoded string; numbers and booleans as written. `None` for other JSON types.
fn decode(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if text.trim_start().starts_with('"') => {
            Some(serde_json::from_str::<String>(text.trim()).unwrap_or_else(|_| text.clone()))
        }
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Hyperparameters, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hyperparameters.json");
        std::fs::write(&path, json).unwrap();
        Hyperparameters::read(&path).map_err(|err| err.to_string().replace(&dir.path().display().to_string(), "DIR"))
    }

    #[test]
    fn plain_and_json_quoted_values_decode_alike() {
        let hp = read(
            r#"{"mlpipe.model": "\"tiny\"", "mlpipe.run": "3", "training.learning_rate": "\"3e-05\"",
                "training.epochs": "2", "plugin.note": "\"a \\\"quoted\\\" word\""}"#,
        )
        .unwrap();
        assert_eq!(hp.model, "tiny");
        assert_eq!(hp.host_run, Some(3));
        let overrides: Vec<(&str, &str)> = hp.overrides.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(
            overrides,
            [("plugin.note", "a \"quoted\" word"), ("training.epochs", "2"), ("training.learning_rate", "3e-05")]
        );
    }

    #[test]
    fn numbers_and_booleans_are_taken_as_written() {
        let hp = read(r#"{"mlpipe.model": "tiny", "training.epochs": 4, "sagemaker.use_spot": true}"#).unwrap();
        assert_eq!(
            hp.overrides,
            [("sagemaker.use_spot".into(), "true".into()), ("training.epochs".into(), "4".into())]
        );
        assert_eq!(hp.host_run, None);
    }

    #[test]
    fn sagemakers_own_keys_are_ignored() {
        let hp = read(r#"{"mlpipe.model": "tiny", "_tuning_objective_metric": "validation:f1", "sagemaker_region": "\"eu-west-1\""}"#)
            .unwrap();
        assert!(hp.overrides.is_empty());
        assert!(hp.tuning_trial, "the tuning mark says the job is a trial");
        assert!(!read(r#"{"mlpipe.model": "tiny", "sagemaker_region": "x"}"#).unwrap().tuning_trial);
    }

    #[test]
    fn a_missing_model_names_the_file_and_key() {
        assert_eq!(
            read(r#"{"training.epochs": "2"}"#).unwrap_err(),
            "DIR/hyperparameters.json: mlpipe.model: required key is missing"
        );
        assert_eq!(
            read(r#"{"mlpipe.model": "\" \""}"#).unwrap_err(),
            "DIR/hyperparameters.json: mlpipe.model: is empty"
        );
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        assert_eq!(
            read(r#"{"mlpipe.model": "tiny", "mlpipe.run": "three"}"#).unwrap_err(),
            "DIR/hyperparameters.json: mlpipe.run: expected a run number, got \"three\""
        );
        assert_eq!(
            read(r#"{"mlpipe.model": "tiny", "mlpipe.modle": "x"}"#).unwrap_err(),
            "DIR/hyperparameters.json: mlpipe.modle: unknown key (expected mlpipe.model or mlpipe.run)"
        );
        assert_eq!(
            read(r#"{"mlpipe.model": "tiny", "epochs": "2"}"#).unwrap_err(),
            "DIR/hyperparameters.json: epochs: expected a settings override `section.key`, mlpipe.model or mlpipe.run"
        );
        assert_eq!(
            read(r#"{"mlpipe.model": "tiny", "training.epochs": [2]}"#).unwrap_err(),
            "DIR/hyperparameters.json: training.epochs: expected a string, got an array"
        );
    }

    #[test]
    fn bad_json_and_missing_files_name_the_file() {
        assert!(read("{\"mlpipe.model\": ").unwrap_err().starts_with("DIR/hyperparameters.json: invalid JSON: "));
        let err = Hyperparameters::read(Path::new("/no/such/hyperparameters.json")).unwrap_err();
        assert!(err.to_string().starts_with("/no/such/hyperparameters.json: cannot read: "), "{err}");
    }
}
