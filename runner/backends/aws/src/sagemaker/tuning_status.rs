//! [`TuningJobStatus`]: what `DescribeHyperParameterTuningJob` says about a tuning job, reduced to
//! what mlpipe shows and decides on: the status, how many training jobs are in each state, and the
//! best training job so far with its objective.

use std::fmt;

use super::status::JobState;
use super::wait::Observed;

/// Training jobs of a tuning job by state (`TrainingJobStatusCounters`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrainingJobCounts {
    /// Finished successfully.
    pub completed: u32,
    /// Running.
    pub in_progress: u32,
    /// Stopped (early stopping, Hyperband or a request).
    pub stopped: u32,
    /// Failed, retryable or not.
    pub failed: u32,
}

/// The best training job so far (`BestTrainingJob`).
#[derive(Debug, Clone, PartialEq)]
pub struct BestTrainingJob {
    /// The training job's name.
    pub job: String,
    /// Its final objective value, once SageMaker has it.
    pub objective: Option<f64>,
}

/// One `DescribeHyperParameterTuningJob` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningJobStatus {
    /// The tuning job's name.
    pub job: String,
    /// `HyperParameterTuningJobStatus`.
    pub state: JobState,
    /// Its training jobs by state.
    pub counts: TrainingJobCounts,
    /// The best training job so far; none before one completes with an objective.
    pub best: Option<BestTrainingJob>,
    /// Why the tuning job failed, when it did.
    pub failure_reason: Option<String>,
}

impl TuningJobStatus {
    /// Whether the two answers differ in status, counts or best job; progress is reported only
    /// then, not on every poll.
    pub fn differs_from(&self, other: &TuningJobStatus) -> bool {
        self.state != other.state || self.counts != other.counts || self.best != other.best
    }
}

impl Observed for TuningJobStatus {
    fn state(&self) -> &JobState {
        &self.state
    }

    fn changed_from(&self, before: &Self) -> bool {
        self.differs_from(before)
    }

    fn failure_reason(&self) -> Option<&str> {
        // SageMaker answers an empty reason for jobs that did not fail.
        self.failure_reason.as_deref().filter(|reason| !reason.is_empty())
    }

    fn stop_reason(&self) -> Option<&str> {
        None
    }
}

impl fmt::Display for TuningJobStatus {
    /// `<job>: InProgress (3 completed, 2 running, 0 stopped, 1 failed; best <training job> = 0.8123)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "{}: {} ({} completed, {} running, {} stopped, {} failed",
            self.job, self.state, c.completed, c.in_progress, c.stopped, c.failed
        )?;
        match &self.best {
            Some(BestTrainingJob { job, objective: Some(value) }) => write!(f, "; best {job} = {value})"),
            Some(BestTrainingJob { job, objective: None }) => write!(f, "; best {job})"),
            None => f.write_str(")"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(completed: u32, best: Option<(&str, f64)>) -> TuningJobStatus {
        TuningJobStatus {
            job: "news-r3-bert-240229123456".into(),
            state: JobState::InProgress,
            counts: TrainingJobCounts { completed, in_progress: 2, stopped: 0, failed: 1 },
            best: best.map(|(job, value)| BestTrainingJob { job: job.into(), objective: Some(value) }),
            failure_reason: Some(String::new()),
        }
    }

    #[test]
    fn status_reads_counts_and_best_job() {
        assert_eq!(
            status(3, Some(("t-001-ab", 0.8123))).to_string(),
            "news-r3-bert-240229123456: InProgress (3 completed, 2 running, 0 stopped, 1 failed; best t-001-ab = 0.8123)"
        );
        assert_eq!(
            status(0, None).to_string(),
            "news-r3-bert-240229123456: InProgress (0 completed, 2 running, 0 stopped, 1 failed)"
        );
    }

    #[test]
    fn a_finished_training_job_or_a_new_best_is_a_change() {
        let before = status(3, Some(("t-001-ab", 0.8)));
        assert!(!status(3, Some(("t-001-ab", 0.8))).differs_from(&before));
        assert!(status(4, Some(("t-001-ab", 0.8))).differs_from(&before));
        assert!(status(3, Some(("t-004-cd", 0.9))).differs_from(&before));
    }

    #[test]
    fn an_empty_failure_reason_is_none() {
        assert_eq!(Observed::failure_reason(&status(0, None)), None);
    }
}
