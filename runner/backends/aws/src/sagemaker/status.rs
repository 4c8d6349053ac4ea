//! [`JobStatus`]: what `Describe…Job` says about a training or processing job, reduced to what
//! mlpipe shows and decides on: the status, SageMaker's finer secondary status, why it failed and
//! where the model went.

use std::fmt;

/// A job's `TrainingJobStatus` or `ProcessingJobStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Queued or running.
    InProgress,
    /// Asked to stop, not stopped yet.
    Stopping,
    /// Finished successfully.
    Completed,
    /// Finished with an error (see [`JobStatus::failure_reason`]).
    Failed,
    /// Stopped on request or by a time limit.
    Stopped,
    /// A status this crate does not know (`Deleting`, or one AWS adds later).
    Other(String),
}

impl JobState {
    /// The state named by SageMaker's status string.
    pub fn parse(status: &str) -> JobState {
        match status {
            "InProgress" => JobState::InProgress,
            "Stopping" => JobState::Stopping,
            "Completed" => JobState::Completed,
            "Failed" => JobState::Failed,
            "Stopped" => JobState::Stopped,
            other => JobState::Other(other.to_string()),
        }
    }

    /// SageMaker's name for the state.
    pub fn as_str(&self) -> &str {
        match self {
            JobState::InProgress => "InProgress",
            JobState::Stopping => "Stopping",
            JobState::Completed => "Completed",
            JobState::Failed => "Failed",
            JobState::Stopped => "Stopped",
            JobState::Other(other) => other,
        }
    }

    /// Whether the job will not change any more.
    pub fn is_terminal(&self) -> bool {
        matches!(self, JobState::Completed | JobState::Failed | JobState::Stopped)
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `Describe…Job` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStatus {
    /// The job name.
    pub job: String,
    /// The status.
    pub state: JobState,
    /// Training jobs' `SecondaryStatus` (`Starting`, `Downloading`, `Training`, `Uploading`, …).
    pub secondary_status: Option<String>,
    /// Why the job failed, when it did.
    pub failure_reason: Option<String>,
    /// Training jobs: `s3://…/<job>/output/model.tar.gz`, once SageMaker has written it.
    pub model_artifacts: Option<String>,
}

impl JobStatus {
    /// Whether the two answers differ in status or secondary status; progress is reported only
    /// then, not on every poll.
    pub fn differs_from(&self, other: &JobStatus) -> bool {
        self.state != other.state || self.secondary_status != other.secondary_status
    }
}

impl fmt::Display for JobStatus {
    /// `<job>: InProgress (Training)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.job, self.state)?;
        if let Some(secondary) = &self.secondary_status {
            write!(f, " ({secondary})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_unknown_ones_are_kept() {
        for name in ["InProgress", "Stopping", "Completed", "Failed", "Stopped", "Deleting"] {
            assert_eq!(JobState::parse(name).as_str(), name);
        }
        assert_eq!(JobState::parse("Deleting"), JobState::Other("Deleting".into()));
    }

    #[test]
    fn only_completed_failed_and_stopped_are_terminal() {
        assert!(JobState::Completed.is_terminal() && JobState::Failed.is_terminal() && JobState::Stopped.is_terminal());
        assert!(!JobState::InProgress.is_terminal() && !JobState::Stopping.is_terminal());
        assert!(!JobState::Other("Deleting".into()).is_terminal());
    }

    #[test]
    fn status_reads_job_state_and_secondary_status() {
        let status = JobStatus {
            job: "j".into(),
            state: JobState::InProgress,
            secondary_status: Some("Training".into()),
            failure_reason: None,
            model_artifacts: None,
        };
        assert_eq!(status.to_string(), "j: InProgress (Training)");
    }
}
