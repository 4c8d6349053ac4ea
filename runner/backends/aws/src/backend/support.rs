//! What the SageMaker steps share: local validation before anything is sent (and the dry run's
//! JSON), the status lines reported while a job runs, the client's configuration from the
//! environment, and how SageMaker's errors become the pipeline's.

use crate::sagemaker::{
    dry_run_json, JobKind, JobRequest, JobStatus, SageMaker, SageMakerClientConfig, SageMakerError,
};
use mlpipe_core::job::Job;
use mlpipe_core::pipeline::{Invocation, Say};
use mlpipe_core::{Error, Result};
use std::time::{Duration, SystemTime};

/// What every job of one request shares.
pub(super) struct StepContext<'a> {
    /// The request as given.
    pub(super) invocation: &'a Invocation,
    /// The experiment.
    pub(super) job: &'a Job,
    /// The experiment's root URI without the trailing `/`.
    pub(super) experiment_uri: String,
    /// Stamps every job name of the request.
    pub(super) now: SystemTime,
    /// `None` on a dry run: requests are printed, not sent.
    pub(super) client: Option<SageMaker>,
    /// Where the summary and status lines go (the runner prints them).
    pub(super) say: &'a Say,
}

/// Validates `request` locally; then the client to send it with, or `None` after handing it to
/// `say` as JSON on a dry run (no client).
///
/// # Errors
/// An invalid request (a usage error: nothing was sent).
pub(super) fn validated_client<'c, K: JobKind>(
    request: &K::Request,
    client: Option<&'c SageMaker>,
    say: &Say,
) -> Result<Option<&'c SageMaker>>
where
    K::Request: JobRequest,
{
    K::validate(request).map_err(aws)?;
    if client.is_none() {
        say(&dry_run_json(request));
    }
    Ok(client)
}

/// The line for a change of job `name`'s status, handed to `say`.
pub(super) fn progress(name: &str, status: &JobStatus, say: &Say) {
    match &status.secondary_status {
        Some(secondary) => say(&format!("sagemaker: {name}: {} ({secondary})", status.state.as_str())),
        None => say(&format!("sagemaker: {name}: {}", status.state.as_str())),
    }
}

/// The client for `region`: the standard credential chain; `AWS_ENDPOINT_URL_SAGEMAKER` or
/// `AWS_ENDPOINT_URL` (an emulator), `MLPIPE_AWS_MAX_ATTEMPTS` and `MLPIPE_SAGEMAKER_POLL_SECS`
/// (default 30) when set.
pub(super) fn client_config(region: &str) -> SageMakerClientConfig {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let mut config = SageMakerClientConfig::new(region);
    config.endpoint_url = var("AWS_ENDPOINT_URL_SAGEMAKER").or_else(|| var("AWS_ENDPOINT_URL"));
    if let Some(attempts) = var("MLPIPE_AWS_MAX_ATTEMPTS").and_then(|v| v.parse().ok()) {
        config.max_attempts = attempts;
    }
    if let Some(secs) = var("MLPIPE_SAGEMAKER_POLL_SECS").and_then(|v| v.parse().ok()) {
        config.poll_interval = Duration::from_secs(secs);
    }
    config
}

/// Request mistakes are usage errors (exit 2, nothing was sent); the rest failed remotely.
pub(super) fn aws(err: SageMakerError) -> Error {
    match err {
        SageMakerError::Invalid { .. } | SageMakerError::MissingSetting { .. } => {
            Error::Unsupported { what: err.to_string() }
        }
        other => Error::Cloud { what: other.to_string() },
    }
}
