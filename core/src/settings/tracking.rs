//! `[tracking]`: where runs are reported to MLflow, if anywhere.

use super::error::SettingsError;
use super::raw::RawIni;
use super::reader::SectionReader;
use super::render::IniWriter;
use super::values::Expect;
use mlpipe_tracking::SageMakerArn;

const KEYS: &[&str] = &["mlflow_uri", "mlflow_experiment"];

/// The `[tracking]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingSettings {
    /// The MLflow tracking server, `http://` or `https://`, or the ARN of a SageMaker-managed
    /// one; `None` disables MLflow.
    pub mlflow_uri: Option<String>,
    /// The MLflow experiment runs are logged under (default: `experiment.name`).
    pub mlflow_experiment: String,
}

impl TrackingSettings {
    pub(crate) fn read(raw: &RawIni, experiment_name: &str) -> Result<Self, SettingsError> {
        let r = SectionReader::new(raw, "tracking", KEYS)?;
        Ok(TrackingSettings {
            mlflow_uri: r.optional("mlflow_uri", tracking_uri)?,
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

fn tracking_uri(text: &str) -> Expect<String> {
    if SageMakerArn::looks_like_arn(text) {
        return match SageMakerArn::parse(text) {
            Ok(_) => Ok(text.to_string()),
            Err(reason) => Err(format!("a SageMaker MLflow server ARN ({reason})")),
        };
    }
    let rest = text.strip_prefix("http://").or_else(|| text.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(text.to_string()),
        _ => Err("an http:// or https:// URI, or a SageMaker MLflow server ARN".to_string()),
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
             or a SageMaker MLflow server ARN, got \"localhost:5000\""
        );
        let bad_arn = error(&format!(
            "{MINIMAL}[tracking]\nmlflow_uri = arn:aws:sagemaker:us-east-1:42:mlflow-tracking-server/a\n"
        ));
        assert!(bad_arn.starts_with("settings.ini:5: tracking.mlflow_uri: expected a SageMaker MLflow server ARN"));
        assert!(bad_arn.contains("account \"42\""), "{bad_arn}");
    }

    #[test]
    fn a_sagemaker_managed_server_is_named_by_its_arn() {
        let arn = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team";
        let tracking = parse_ok(&format!("{MINIMAL}[tracking]\nmlflow_uri = {arn}\n")).tracking;
        assert_eq!(tracking.mlflow_uri.as_deref(), Some(arn));
    }
}
