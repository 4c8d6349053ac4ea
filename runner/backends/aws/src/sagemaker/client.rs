//! [`SageMaker`]: a blocking client for the few SageMaker calls mlpipe makes. The pipeline is
//! synchronous, so the client owns a small tokio runtime and every method blocks on it; the job
//! calls are written once in `jobs`, over the kinds of `job_kind`. [`SageMakerClientConfig`] says where
//! to connect: the region from the settings in production, moto's endpoint and fake credentials in
//! tests.

use std::error::Error;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use aws_sdk_sagemaker::config::retry::RetryConfig;
use aws_sdk_sagemaker::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sagemaker::error::{ProvideErrorMetadata, SdkError};

use super::error::SageMakerError;

/// How to reach SageMaker.
#[derive(Debug, Clone, PartialEq)]
pub struct SageMakerClientConfig {
    /// The AWS region, e.g. `us-east-1` (`sagemaker.region`).
    pub region: String,
    /// Another endpoint than AWS's (moto in tests).
    pub endpoint_url: Option<String>,
    /// Attempts per call, retries included; 1 turns retries off.
    pub max_attempts: u32,
    /// Time between two `Describe…Job` calls while waiting.
    pub poll_interval: Duration,
    /// Fixed credentials instead of the standard chain (environment, profile, instance role).
    pub credentials: Option<StaticCredentials>,
}

impl SageMakerClientConfig {
    /// AWS in `region`, the standard credential chain, 3 attempts per call, a poll every 30 s.
    pub fn new(region: impl Into<String>) -> SageMakerClientConfig {
        SageMakerClientConfig {
            region: region.into(),
            endpoint_url: None,
            max_attempts: 3,
            poll_interval: Duration::from_secs(30),
            credentials: None,
        }
    }
}

/// An access key, for tests against an emulator.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

impl fmt::Debug for StaticCredentials {
    /// Shows the key id only, so configurations can be logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticCredentials").field("access_key_id", &self.access_key_id).finish_non_exhaustive()
    }
}

/// A blocking SageMaker client on its own tokio runtime.
pub struct SageMaker {
    runtime: tokio::runtime::Runtime,
    pub(crate) client: aws_sdk_sagemaker::Client,
    pub(crate) poll_interval: Duration,
}

impl SageMaker {
    /// A client for `config`. Credentials are looked up when the first call needs them.
    ///
    /// # Errors
    ///
    /// [`SageMakerError::Client`] when the runtime cannot be started.
    ///
    /// # Panics
    ///
    /// When called from inside a tokio runtime (its methods block).
    pub fn new(config: &SageMakerClientConfig) -> Result<SageMaker, SageMakerError> {
        // One thread is plenty: the client makes one call at a time. `enable_all` gives the timer
        // (polling) and the signal driver (Ctrl-C).
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SageMakerError::Client { message: format!("cannot start the tokio runtime: {e}") })?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(config.region.clone()))
            .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts.max(1)));
        if let Some(url) = &config.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(keys) = &config.credentials {
            let credentials = Credentials::new(
                &keys.access_key_id,
                &keys.secret_access_key,
                keys.session_token.clone(),
                None,
                "mlpipe-static",
            );
            loader = loader.credentials_provider(credentials);
        }
        let sdk_config = runtime.block_on(loader.load());
        let client = aws_sdk_sagemaker::Client::new(&sdk_config);
        Ok(SageMaker { runtime, client, poll_interval: config.poll_interval })
    }

    /// Runs `future` to completion on the client's runtime.
    pub(crate) fn block_on<T>(&self, future: impl Future<Output = T>) -> T {
        self.runtime.block_on(future)
    }
}

/// An SDK error as [`SageMakerError::Api`]: SageMaker's code and message when it answered, else
/// the chain of causes (connection refused, no credentials, ...) on one line.
pub(crate) fn api_error<E, R>(operation: &'static str, job: &str, error: SdkError<E, R>) -> SageMakerError
where
    E: ProvideErrorMetadata + Error + 'static,
    R: fmt::Debug,
{
    let message = match error.as_service_error() {
        Some(service) => {
            let code = service.code().unwrap_or("unknown error");
            match service.message() {
                Some(message) => format!("{code}: {message}"),
                None => code.to_string(),
            }
        }
        None => causes(&error),
    };
    SageMakerError::Api { operation, job: job.to_string(), message }
}

fn causes(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// `value` as the API's 32-bit integer. Validation keeps every value in range; this guards
/// requests built by hand and sent without it.
pub(crate) fn wire_int(field: &str, value: u64) -> Result<i32, SageMakerError> {
    i32::try_from(value).map_err(|_| SageMakerError::invalid(field, value, "expected at most 2147483647"))
}
