//! [`ResourceConfig`]: `input/config/resourceconfig.json`, SageMaker's description of the hosts of
//! a training job (`current_host`, `hosts`). Without the sagemaker-training toolkit nothing turns
//! it into the `SM_*` variables, so mlpipe reads it itself.

use super::json_file::{kind, read_object};
use super::ContainerError;
use serde_json::Value;
use std::path::Path;

/// The hosts of a training job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceConfig {
    /// This host, e.g. `algo-1`.
    pub current_host: String,
    /// Every host of the job, in SageMaker's order (the first serves the rendezvous store).
    pub hosts: Vec<String>,
}

impl ResourceConfig {
    /// Reads and checks the file at `path`; keys other than `current_host` and `hosts` (network
    /// interface, instance groups) are ignored.
    ///
    /// # Errors
    /// [`ContainerError::Read`] or [`ContainerError::Json`] naming the file; [`ContainerError::Key`]
    /// when `current_host` or `hosts` is missing or malformed, or `current_host` is not one of
    /// `hosts`.
    pub fn read(path: &Path) -> Result<Self, ContainerError> {
        let object = read_object(path)?;
        let key_error =
            |key: &str, problem: String| ContainerError::Key { path: path.to_path_buf(), key: key.into(), problem };
        let current_host = match object.get("current_host") {
            Some(Value::String(host)) if !host.is_empty() => host.clone(),
            Some(other) => {
                return Err(key_error("current_host", format!("expected a host name, got {}", describe(other))))
            }
            None => return Err(key_error("current_host", "required key is missing".into())),
        };
        let hosts: Vec<String> = match object.get("hosts") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|item| match item {
                    Value::String(host) if !host.is_empty() => Ok(host.clone()),
                    other => Err(key_error("hosts", format!("expected host names, got {}", describe(other)))),
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(key_error(
                    "hosts",
                    format!("expected a non-empty list of host names, got {}", describe(other)),
                ))
            }
            None => return Err(key_error("hosts", "required key is missing".into())),
        };
        if !hosts.contains(&current_host) {
            return Err(key_error("current_host", format!("{current_host:?} is not one of hosts {hosts:?}")));
        }
        Ok(Self { current_host, hosts })
    }
}

/// A JSON value for messages: strings and arrays shown (so an empty one is visible), the rest by kind.
fn describe(value: &Value) -> String {
    match value {
        Value::String(_) | Value::Array(_) => value.to_string(),
        other => kind(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<ResourceConfig, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("resourceconfig.json");
        std::fs::write(&path, json).unwrap();
        ResourceConfig::read(&path).map_err(|err| err.to_string().replace(&dir.path().display().to_string(), "DIR"))
    }

    #[test]
    fn hosts_are_read_in_order_and_extra_keys_ignored() {
        let config =
            read(r#"{"current_host": "algo-2", "hosts": ["algo-1", "algo-2"], "network_interface_name": "eth0"}"#)
                .unwrap();
        assert_eq!(config.current_host, "algo-2");
        assert_eq!(config.hosts, ["algo-1", "algo-2"]);
    }

    #[test]
    fn problems_name_the_file_and_key() {
        assert_eq!(
            read(r#"{"hosts": ["algo-1"]}"#).unwrap_err(),
            "DIR/resourceconfig.json: current_host: required key is missing"
        );
        assert_eq!(
            read(r#"{"current_host": "algo-1", "hosts": []}"#).unwrap_err(),
            "DIR/resourceconfig.json: hosts: expected a non-empty list of host names, got []"
        );
        assert_eq!(
            read(r#"{"current_host": "algo-3", "hosts": ["algo-1", "algo-2"]}"#).unwrap_err(),
            "DIR/resourceconfig.json: current_host: \"algo-3\" is not one of hosts [\"algo-1\", \"algo-2\"]"
        );
        assert_eq!(
            read(r#"{"current_host": 1, "hosts": ["algo-1"]}"#).unwrap_err(),
            "DIR/resourceconfig.json: current_host: expected a host name, got a number"
        );
    }
}
