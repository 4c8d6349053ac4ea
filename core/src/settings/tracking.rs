//! `[tracking]`: where runs are reported to MLflow, if anywhere.

use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::Expect;

const KEYS: &[&str] = &["mlflow_uri", "mlflow_experiment"];

/// The `[tracking]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingSettings {
    /// The MLflow tracking server, `http://` or `https://`; `None` disables MLflow.
    pub mlflow_uri: Option<String>,
    /// The MLflow experiment runs are logged under (default: `experiment.name`).
    pub mlflow_experiment: String,
}

impl TrackingSettings {
    pub(crate) fn read(raw: &RawIni, experiment_name: &str) -> Result<Self, SettingsError> {
        let r = SectionReader::new(raw, "tracking", KEYS)?;
        Ok(TrackingSettings {
            mlflow_uri: r.optional("mlflow_uri", http_uri)?,
            mlflow_experiment: r
                .optional("mlflow_experiment", |t| Ok(t.to_string()))?
                .unwrap_or_else(|| experiment_name.to_string()),
        })
    }

    pub(crate) fn write_ini(&self, out: &mut IniWriter) {
        out.section("tracking");
        out.optional("mlflow_uri", self.mlflow_uri.as_ref());
        out.key("mlflow_experiment", &self.mlflow_experiment);
    }
}

fn http_uri(text: &str) -> Expect<String> {
    let rest = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(text.to_string()),
        _ => Err("an http:// or https:// URI".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::settings::test_util::{error, parse_ok, MINIMAL};

    #[test]
    fn experiment_defaults_to_the_experiment_name() {
        let tracking = parse_ok(MINIMAL).tracking;
        assert_eq!(tracking.mlflow_uri, None);
        assert_eq!(tracking.mlflow_experiment, "demo");
    }

    #[test]
    fn non_http_uri_is_rejected() {
        assert_eq!(
            error(&format!("{MINIMAL}[tracking]\nmlflow_uri = localhost:5000\n")),
            "settings.ini:5: tracking.mlflow_uri: expected an http:// or https:// URI, \
             got \"localhost:5000\""
        );
    }
}
