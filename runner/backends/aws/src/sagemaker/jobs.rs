//! The job calls of [`SageMaker`], written once for every [`JobKind`]: create (after local
//! validation), describe, wait, wait-or-stop-on-Ctrl-C and stop. A call names its kind as a type
//! parameter: `sagemaker.create_job::<TrainingJob>(&request)`.

use super::client::SageMaker;
use super::error::SageMakerError;
use super::job_kind::JobKind;
use super::wait::{ctrl_c, wait_or_stop, wait_until_done};

impl SageMaker {
    /// Validates `request` and creates the job; returns its ARN.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Invalid`] from the kind's validation, before anything is sent;
    /// [`SageMakerError::Api`] when SageMaker refuses or cannot be reached.
    pub fn create_job<K: JobKind>(&self, request: &K::Request) -> Result<String, SageMakerError> {
        K::validate(request)?;
        self.block_on(K::create(&self.client, request))
    }

    /// The job's status now.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`], also when there is no such job.
    pub fn describe_job<K: JobKind>(&self, name: &str) -> Result<K::Status, SageMakerError> {
        self.block_on(K::describe(&self.client, name))
    }

    /// Polls until the job is `Completed`, `Failed` or `Stopped`, calling `on_progress` when its
    /// status changes (and once at the start).
    ///
    /// # Errors
    ///
    /// [`SageMakerError::JobFailed`] when the job fails or is stopped; [`SageMakerError::Api`]
    /// when a poll fails.
    pub fn wait_job<K: JobKind>(
        &self,
        name: &str,
        on_progress: &mut dyn FnMut(&K::Status),
    ) -> Result<K::Status, SageMakerError> {
        let mut describe = || K::describe(&self.client, name);
        self.block_on(wait_until_done(name, self.poll_interval, &mut describe, on_progress))
    }

    /// [`SageMaker::wait_job`], but Ctrl-C while waiting stops the job (so an abandoned job does
    /// not run up a bill; a tuning job takes its running training jobs with it), reports its
    /// status once more and returns [`SageMakerError::Interrupted`].
    ///
    /// Tokio keeps handling SIGINT for the rest of the process once this has run: a later Ctrl-C
    /// no longer ends the program by default.
    ///
    /// # Errors
    ///
    /// As [`SageMaker::wait_job`]; [`SageMakerError::Interrupted`] after Ctrl-C, or the stop
    /// call's [`SageMakerError::Api`] when the job could not be stopped.
    pub fn wait_job_or_stop<K: JobKind>(
        &self,
        name: &str,
        on_progress: &mut dyn FnMut(&K::Status),
    ) -> Result<K::Status, SageMakerError> {
        let describe = || K::describe(&self.client, name);
        let stop = || K::stop(&self.client, name);
        self.block_on(wait_or_stop(name, self.poll_interval, describe, stop, ctrl_c(), on_progress))
    }

    /// Asks SageMaker to stop the job; it goes `Stopping`, then `Stopped`.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`].
    pub fn stop_job<K: JobKind>(&self, name: &str) -> Result<(), SageMakerError> {
        self.block_on(K::stop(&self.client, name))
    }
}
