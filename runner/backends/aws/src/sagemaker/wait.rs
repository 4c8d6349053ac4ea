//! Waiting for a job (mechanism only, no SDK): poll `describe` until the job is `Completed`,
//! `Failed` or `Stopped`, report each change, and, in the interruptible form, stop the job when an
//! interrupt (Ctrl-C in production, any future in tests) comes first. The job kinds plug in their
//! describe and stop calls as closures; what a describe answer must tell is [`Observed`].

use std::future::Future;
use std::time::Duration;

use super::error::SageMakerError;
use super::status::{JobState, JobStatus};

/// What waiting reads from a `Describe…Job` answer.
pub trait Observed {
    /// The job's status.
    fn state(&self) -> &JobState;
    /// Whether this answer is worth reporting after `before` (a status change, new progress).
    fn changed_from(&self, before: &Self) -> bool;
    /// Why the job failed, when it did.
    fn failure_reason(&self) -> Option<&str>;
    /// What stopped a stopped job, when it says (`MaxRuntimeExceeded`).
    fn stop_reason(&self) -> Option<&str>;
}

impl Observed for JobStatus {
    fn state(&self) -> &JobState {
        &self.state
    }

    fn changed_from(&self, before: &Self) -> bool {
        self.differs_from(before)
    }

    fn failure_reason(&self) -> Option<&str> {
        self.failure_reason.as_deref()
    }

    /// A time limit stops a job too; its secondary status says which (`MaxRuntimeExceeded`,
    /// `MaxWaitTimeExceeded`).
    fn stop_reason(&self) -> Option<&str> {
        self.secondary_status.as_deref().filter(|secondary| *secondary != "Stopped")
    }
}

/// Polls `describe` every `interval` until the job ends, calling `on_progress` with the first
/// answer and every answer that [changed](Observed::changed_from) from the one before.
///
/// # Errors
///
/// The first `describe` error; [`SageMakerError::JobFailed`] when the job ends `Failed` or
/// `Stopped`.
pub(crate) async fn wait_until_done<S: Observed>(
    job: &str,
    interval: Duration,
    describe: &mut impl AsyncFnMut() -> Result<S, SageMakerError>,
    on_progress: &mut dyn FnMut(&S),
) -> Result<S, SageMakerError> {
    let mut last: Option<S> = None;
    loop {
        let status = describe().await?;
        if last.as_ref().is_none_or(|last| status.changed_from(last)) {
            on_progress(&status);
        }
        match status.state() {
            JobState::Completed => return Ok(status),
            JobState::Failed => {
                let reason = status.failure_reason().unwrap_or("no failure reason given");
                return Err(SageMakerError::JobFailed { job: job.to_string(), reason: format!("failed: {reason}") });
            }
            JobState::Stopped => {
                let reason = match status.stop_reason() {
                    Some(why) => format!("stopped ({why})"),
                    None => "stopped".to_string(),
                };
                return Err(SageMakerError::JobFailed { job: job.to_string(), reason });
            }
            _ => {}
        }
        last = Some(status);
        tokio::time::sleep(interval).await;
    }
}

/// [`wait_until_done`], unless `interrupt` completes first: then `stop` is called, the job's
/// status after the stop request is reported once through `on_progress`, and the wait ends.
///
/// # Errors
///
/// As [`wait_until_done`]; [`SageMakerError::Interrupted`] after a successful stop request, or
/// the stop call's error when the job could not be stopped (it is then still running).
pub(crate) async fn wait_or_stop<S: Observed>(
    job: &str,
    interval: Duration,
    mut describe: impl AsyncFnMut() -> Result<S, SageMakerError>,
    stop: impl AsyncFnOnce() -> Result<(), SageMakerError>,
    interrupt: impl Future<Output = ()>,
    on_progress: &mut dyn FnMut(&S),
) -> Result<S, SageMakerError> {
    let finished = tokio::select! {
        // A job that finished and an interrupt in the same poll: the result wins, nothing to stop.
        biased;
        result = wait_until_done(job, interval, &mut describe, on_progress) => Some(result),
        () = interrupt => None,
    };
    if let Some(result) = finished {
        return result;
    }
    tracing::warn!(job, "interrupted: stopping the sagemaker job");
    stop().await?;
    // Best effort: the stop request went through, which is what matters to the caller.
    if let Ok(status) = describe().await {
        on_progress(&status);
    }
    Err(SageMakerError::Interrupted { job: job.to_string() })
}

/// Completes on the first Ctrl-C (SIGINT). If the signal cannot be watched, it never completes,
/// so waiting goes on without the Ctrl-C handling rather than stopping the job.
pub(crate) async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::collections::VecDeque;

    use super::*;

    fn status(state: JobState, secondary: &str) -> JobStatus {
        JobStatus {
            job: "j".into(),
            state,
            secondary_status: Some(secondary.into()),
            failure_reason: Some("AlgorithmError: boom".into()),
            model_artifacts: None,
        }
    }

    /// A `describe` that answers from a script, then repeats the last answer.
    fn scripted(answers: Vec<JobStatus>) -> impl AsyncFnMut() -> Result<JobStatus, SageMakerError> {
        let mut answers = VecDeque::from(answers);
        move || {
            let answer = if answers.len() > 1 { answers.pop_front().unwrap() } else { answers[0].clone() };
            std::future::ready(Ok(answer))
        }
    }

    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(future)
    }

    #[test]
    fn progress_is_reported_only_on_changes() {
        let mut describe = scripted(vec![
            status(JobState::InProgress, "Starting"),
            status(JobState::InProgress, "Starting"),
            status(JobState::InProgress, "Training"),
            status(JobState::InProgress, "Training"),
            status(JobState::Completed, "Completed"),
        ]);
        let mut seen = Vec::new();
        let result = block_on(wait_until_done("j", Duration::ZERO, &mut describe, &mut |s| seen.push(s.to_string())));
        assert_eq!(result.unwrap().state, JobState::Completed);
        assert_eq!(seen, ["j: InProgress (Starting)", "j: InProgress (Training)", "j: Completed (Completed)"]);
    }

    #[test]
    fn failed_jobs_carry_the_failure_reason() {
        let mut describe = scripted(vec![status(JobState::Failed, "Failed")]);
        let error = block_on(wait_until_done("j", Duration::ZERO, &mut describe, &mut |_| {})).unwrap_err();
        assert_eq!(error.to_string(), "sagemaker job j did not complete: failed: AlgorithmError: boom");
    }

    #[test]
    fn stopped_jobs_say_which_limit_stopped_them() {
        let mut describe = scripted(vec![status(JobState::Stopped, "MaxRuntimeExceeded")]);
        let error = block_on(wait_until_done("j", Duration::ZERO, &mut describe, &mut |_| {})).unwrap_err();
        assert_eq!(error.to_string(), "sagemaker job j did not complete: stopped (MaxRuntimeExceeded)");
    }

    #[test]
    fn an_interrupt_stops_the_job_and_reports_its_new_status() {
        let stopped = Cell::new(false);
        let describe = || {
            let state = if stopped.get() { JobState::Stopping } else { JobState::InProgress };
            std::future::ready(Ok(status(state, "Training")))
        };
        let stop = || {
            stopped.set(true);
            std::future::ready(Ok(()))
        };
        let mut seen = Vec::new();
        // Built lazily: a tokio timer needs the runtime that `block_on` starts.
        let interrupt = async { tokio::time::sleep(Duration::from_millis(20)).await };
        let result = block_on(wait_or_stop("j", Duration::from_millis(5), describe, stop, interrupt, &mut |s| {
            seen.push(s.state.clone())
        }));
        assert!(matches!(result, Err(SageMakerError::Interrupted { ref job }) if job == "j"), "{result:?}");
        assert!(stopped.get());
        assert_eq!(seen, [JobState::InProgress, JobState::Stopping]);
    }

    #[test]
    fn a_failed_stop_request_is_the_error() {
        let describe = || std::future::ready(Ok::<_, SageMakerError>(status(JobState::InProgress, "Training")));
        let stop = || {
            let error = SageMakerError::Api { operation: "StopTrainingJob", job: "j".into(), message: "denied".into() };
            std::future::ready(Err(error))
        };
        let result = block_on(wait_or_stop("j", Duration::from_millis(5), describe, stop, async {}, &mut |_| {}));
        assert!(matches!(result, Err(SageMakerError::Api { .. })), "{result:?}");
    }

    #[test]
    fn a_job_that_ends_first_is_not_stopped() {
        let describe = scripted(vec![status(JobState::Completed, "Completed")]);
        let stop = || -> std::future::Ready<Result<(), SageMakerError>> { panic!("must not stop a finished job") };
        let interrupt = async { tokio::time::sleep(Duration::from_secs(60)).await };
        let result = block_on(wait_or_stop("j", Duration::from_millis(5), describe, stop, interrupt, &mut |_| {}));
        assert_eq!(result.unwrap().state, JobState::Completed);
    }
}
