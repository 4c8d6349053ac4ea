//! [`TrackingError`]: everything that can go wrong talking to MLflow, each variant carrying the
//! server URI and the endpoint so that one line says where it happened. The split that callers act
//! on is [`TrackingError::is_retryable`]: an unreachable or slow server is worth retrying later,
//! while an answer of MLflow's saying the request is wrong (4xx) will be wrong again.

use std::path::PathBuf;
use std::time::Duration;

/// A failed MLflow request, or a local problem preparing one.
#[derive(Debug, thiserror::Error)]
pub enum TrackingError {
    /// No connection could be made, or it broke before an answer came (retryable).
    #[error("mlflow {uri}: {endpoint}: unreachable: {message}")]
    Unreachable {
        /// The tracking server, e.g. `http://127.0.0.1:5000`.
        uri: String,
        /// The REST endpoint: below `/api/2.0/mlflow/` (e.g. `runs/log-batch`), or the artifact
        /// proxy's `mlflow-artifacts/artifacts/<path>`.
        endpoint: String,
        /// What the transport said.
        message: String,
    },
    /// The server took longer than the client's timeout to answer (retryable).
    #[error("mlflow {uri}: {endpoint}: no answer within {timeout:?}")]
    Timeout {
        /// The tracking server.
        uri: String,
        /// The REST endpoint.
        endpoint: String,
        /// The client's per-request timeout.
        timeout: Duration,
    },
    /// MLflow refused the request (HTTP 4xx): it will refuse it again, so it is not retried.
    #[error("mlflow {uri}: {endpoint}: {error_code}: {message}")]
    Api {
        /// The tracking server.
        uri: String,
        /// The REST endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// MLflow's `error_code`, e.g. `INVALID_PARAMETER_VALUE`, or `HTTP_<status>` when the
        /// answer was not MLflow's JSON.
        error_code: String,
        /// MLflow's `message`, on one line.
        message: String,
    },
    /// The server failed (HTTP 5xx), e.g. while it starts or its database is locked (retryable).
    #[error("mlflow {uri}: {endpoint}: server error {status}: {error_code}: {message}")]
    Server {
        /// The tracking server.
        uri: String,
        /// The REST endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// MLflow's `error_code`, or `HTTP_<status>`.
        error_code: String,
        /// MLflow's `message`, on one line.
        message: String,
    },
    /// The answer could not be read as what the endpoint documents, or the request could not be
    /// made at all (a bad URI, a TLS failure).
    #[error("mlflow {uri}: {endpoint}: {message}")]
    Protocol {
        /// The tracking server.
        uri: String,
        /// The REST endpoint.
        endpoint: String,
        /// What was wrong.
        message: String,
    },
    /// A request could not be authenticated, e.g. no AWS credentials were found for a
    /// SageMaker-managed server (retryable: credentials from an instance role may come).
    #[error("mlflow {uri}: {endpoint}: cannot sign the request: {message}")]
    Auth {
        /// The tracking server.
        uri: String,
        /// The REST endpoint.
        endpoint: String,
        /// What the signer said.
        message: String,
    },
    /// Reading or writing an artifact in the run's object store (e.g. S3) failed.
    #[error("mlflow {uri}: run {run_id}: artifact {artifact}: {message}")]
    ArtifactStore {
        /// The tracking server.
        uri: String,
        /// The run.
        run_id: String,
        /// The artifact's full URI, e.g. `s3://bucket/1/abc/artifacts/report.html`.
        artifact: String,
        /// What the store said.
        message: String,
    },
    /// The run's artifacts live somewhere this crate cannot write: only the server's artifact
    /// proxy (`mlflow-artifacts:` URIs) is supported.
    #[error(
        "mlflow {uri}: run {run_id}: artifact store {artifact_uri} is not the server's artifact proxy \
         (nor S3 of a SageMaker-managed server); start the server with --serve-artifacts (the default) \
         so that runs get mlflow-artifacts:/ URIs"
    )]
    UnsupportedArtifactStore {
        /// The tracking server.
        uri: String,
        /// The run whose artifacts were to be written or listed.
        run_id: String,
        /// The run's `artifact_uri`, e.g. `s3://bucket/1/abc/artifacts`.
        artifact_uri: String,
    },
    /// An argument MLflow would misread: an artifact path that is absolute or climbs out of the
    /// run's folder, or a run key that cannot be quoted in a search filter.
    #[error("mlflow {uri}: invalid {what} {value:?}: {reason}")]
    InvalidInput {
        /// The tracking server.
        uri: String,
        /// Which argument, e.g. `artifact path`.
        what: &'static str,
        /// The argument as given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A local artifact file could not be read.
    #[error("reading artifact file {path}: {source}")]
    ReadArtifact {
        /// The local file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl TrackingError {
    /// Whether trying the same request later may succeed: true for an unreachable or slow server
    /// and for server errors (5xx), for missing credentials and failed object-store transfers,
    /// false for MLflow's refusals (4xx) and local problems.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unreachable { .. }
                | Self::Timeout { .. }
                | Self::Server { .. }
                | Self::Auth { .. }
                | Self::ArtifactStore { .. }
        )
    }

    /// MLflow's `error_code` when the server answered with one.
    pub fn error_code(&self) -> Option<&str> {
        match self {
            Self::Api { error_code, .. } | Self::Server { error_code, .. } => Some(error_code),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_error_reads_as_one_line_naming_endpoint_and_code() {
        let err = TrackingError::Api {
            uri: "http://127.0.0.1:5000".into(),
            endpoint: "runs/log-batch".into(),
            status: 400,
            error_code: "INVALID_PARAMETER_VALUE".into(),
            message: "bad".into(),
        };
        assert_eq!(err.to_string(), "mlflow http://127.0.0.1:5000: runs/log-batch: INVALID_PARAMETER_VALUE: bad");
        assert!(!err.is_retryable());
        assert_eq!(err.error_code(), Some("INVALID_PARAMETER_VALUE"));
    }

    #[test]
    fn transport_failures_are_retryable() {
        let err = TrackingError::Timeout { uri: "u".into(), endpoint: "e".into(), timeout: Duration::from_secs(1) };
        assert!(err.is_retryable());
    }
}
