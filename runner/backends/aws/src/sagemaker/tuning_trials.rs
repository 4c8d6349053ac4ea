//! [`TuningTrial`]: one training job of a tuning job, as `ListTrainingJobsForHyperParameterTuningJob`
//! and `DescribeHyperParameterTuningJob`'s best job summarise it (`HyperParameterTrainingJobSummary`):
//! its name and status, the values it tried, its final objective and its times. The conversion from
//! the SDK's type lives here, apart from the calls, so it is tested without a server.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_sdk_sagemaker::primitives::DateTime;
use aws_sdk_sagemaker::types::HyperParameterTrainingJobSummary;

use super::status::JobState;

/// One training job of a tuning job.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningTrial {
    /// The training job's name, `<tuning job>-<3-digit number>-<8 hex digits>`.
    pub job: String,
    /// Its `TrainingJobStatus`.
    pub state: JobState,
    /// The tuned hyperparameters and the values tried (`training.<model>.<key>` → value).
    pub parameters: BTreeMap<String, String>,
    /// The final objective value, once the job reported one.
    pub objective: Option<f64>,
    /// When the tuning job created it.
    pub created: Option<SystemTime>,
    /// When it started training.
    pub started: Option<SystemTime>,
    /// When it ended.
    pub ended: Option<SystemTime>,
    /// Why it failed, when it did.
    pub failure_reason: Option<String>,
}

impl TuningTrial {
    /// The trial a summary describes.
    pub fn from_summary(summary: &HyperParameterTrainingJobSummary) -> TuningTrial {
        let parameters = summary
            .tuned_hyper_parameters()
            .map(|tuned| tuned.iter().map(|(key, value)| (key.clone(), unquoted(value))).collect())
            .unwrap_or_default();
        TuningTrial {
            job: summary.training_job_name().unwrap_or_default().to_string(),
            state: JobState::parse(summary.training_job_status().map_or("", |s| s.as_str())),
            parameters,
            objective: summary.final_hyper_parameter_tuning_job_objective_metric().and_then(|m| m.value()).map(widen),
            created: summary.creation_time().and_then(system_time),
            started: summary.training_start_time().and_then(system_time),
            ended: summary.training_end_time().and_then(system_time),
            failure_reason: summary.failure_reason().filter(|reason| !reason.is_empty()).map(str::to_string),
        }
    }
}

/// The API's 32-bit objective as the f64 with the same shortest decimal text (0.8123, not
/// 0.8123000264167786), so records show what SageMaker showed.
pub(crate) fn widen(value: f32) -> f64 {
    value.to_string().parse().unwrap_or(f64::from(value))
}

/// A value as passed to the container: clients sometimes JSON-quote hyperparameters once more.
fn unquoted(value: &str) -> String {
    match value.trim().starts_with('"') {
        true => serde_json::from_str::<String>(value.trim()).unwrap_or_else(|_| value.to_string()),
        false => value.to_string(),
    }
}

fn system_time(time: &DateTime) -> Option<SystemTime> {
    SystemTime::try_from(*time).ok()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use aws_sdk_sagemaker::types::{
        FinalHyperParameterTuningJobObjectiveMetric, HyperParameterTuningJobObjectiveType, TrainingJobStatus,
    };

    use super::*;

    fn summary() -> HyperParameterTrainingJobSummary {
        HyperParameterTrainingJobSummary::builder()
            .training_job_name("news-r3-bert-240229123456-002-1a2b3c4d")
            .training_job_status(TrainingJobStatus::Completed)
            .tuned_hyper_parameters("training.bert.learning_rate", "0.00012")
            .tuned_hyper_parameters("training.bert.batch_size", "\"32\"")
            .creation_time(DateTime::from_secs(1_709_210_100))
            .training_start_time(DateTime::from_secs(1_709_210_160))
            .training_end_time(DateTime::from_secs(1_709_211_000))
            .failure_reason("")
            .final_hyper_parameter_tuning_job_objective_metric(
                FinalHyperParameterTuningJobObjectiveMetric::builder()
                    .r#type(HyperParameterTuningJobObjectiveType::Maximize)
                    .metric_name("validation:macro_f1")
                    .value(0.8123)
                    .build(),
            )
            .build()
    }

    #[test]
    fn a_summary_gives_name_status_values_objective_and_times() {
        let trial = TuningTrial::from_summary(&summary());
        assert_eq!(trial.job, "news-r3-bert-240229123456-002-1a2b3c4d");
        assert_eq!(trial.state, JobState::Completed);
        let parameters: Vec<(&str, &str)> = trial.parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(parameters, [("training.bert.batch_size", "32"), ("training.bert.learning_rate", "0.00012")]);
        assert_eq!(trial.objective, Some(0.8123));
        assert_eq!(trial.created, Some(UNIX_EPOCH + Duration::from_secs(1_709_210_100)));
        assert_eq!(trial.started, Some(UNIX_EPOCH + Duration::from_secs(1_709_210_160)));
        assert_eq!(trial.ended, Some(UNIX_EPOCH + Duration::from_secs(1_709_211_000)));
        assert_eq!(trial.failure_reason, None);
    }

    #[test]
    fn a_failed_job_has_its_reason_and_no_objective() {
        let summary = HyperParameterTrainingJobSummary::builder()
            .training_job_name("j-001-00000000")
            .training_job_status(TrainingJobStatus::Failed)
            .failure_reason("AlgorithmError: out of memory")
            .build();
        let trial = TuningTrial::from_summary(&summary);
        assert_eq!(trial.state, JobState::Failed);
        assert_eq!(trial.failure_reason.as_deref(), Some("AlgorithmError: out of memory"));
        assert_eq!((trial.objective, trial.started, trial.ended), (None, None, None));
        assert!(trial.parameters.is_empty());
    }

    #[test]
    fn objectives_keep_their_32_bit_decimal_text() {
        assert_eq!(widen(0.8123), 0.8123);
        assert_eq!(widen(1.0), 1.0);
        assert_eq!(widen(-0.25), -0.25);
    }
}
