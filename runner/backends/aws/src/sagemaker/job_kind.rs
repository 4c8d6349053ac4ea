//! [`JobKind`]: what differs between SageMaker's job kinds (training, processing, tuning) — the
//! request type, the local validation and the three SDK calls (create, describe, stop) with their
//! status mapping. Everything else about a job (blocking, waiting, stopping on Ctrl-C) is written
//! once, for every kind, in `jobs`.

use std::future::Future;

use aws_sdk_sagemaker::Client;

use super::error::SageMakerError;
use super::wait::Observed;

/// One kind of SageMaker job, implemented by a marker type ([`TrainingJob`](super::TrainingJob),
/// [`ProcessingJob`](super::ProcessingJob), [`TuningJob`](super::TuningJob)) and named as the type
/// parameter of [`SageMaker`](super::SageMaker)'s job calls.
pub trait JobKind {
    /// The typed body of the kind's `Create…Job` call.
    type Request;
    /// What the kind's `Describe…Job` call is reduced to.
    type Status: Observed;

    /// Checks `request` against SageMaker's rules; called before anything is sent.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Invalid`] naming the first field that breaks a rule.
    fn validate(request: &Self::Request) -> Result<(), SageMakerError>;

    /// Sends the kind's `Create…Job` call for an already validated `request`; resolves to the
    /// job's ARN.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`] when SageMaker refuses or cannot be reached;
    /// [`SageMakerError::Invalid`] when a value does not fit the wire format.
    fn create(client: &Client, request: &Self::Request) -> impl Future<Output = Result<String, SageMakerError>>;

    /// Sends `Describe…Job` for the job `name` and reduces the answer to [`JobKind::Status`].
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`], also when there is no such job.
    fn describe(client: &Client, name: &str) -> impl Future<Output = Result<Self::Status, SageMakerError>>;

    /// Sends `Stop…Job` for the job `name`; the job goes `Stopping`, then `Stopped`.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Api`].
    fn stop(client: &Client, name: &str) -> impl Future<Output = Result<(), SageMakerError>>;
}
