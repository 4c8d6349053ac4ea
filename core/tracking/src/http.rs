//! The HTTP transport under [`crate::MlflowClient`]: one blocking ureq agent, JSON in and out for
//! the tracking API (`/api/2.0/mlflow/...`), raw bytes for the artifact proxy
//! (`/api/2.0/mlflow-artifacts/artifacts/...`), and the one place where transport failures and
//! MLflow's error answers become [`TrackingError`]s naming the URI and the endpoint. Every request
//! passes through [`Http::send`], which adds the fixed headers and, for a server that wants it,
//! the [`RequestSigner`]'s authentication.

use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::access::RequestSigner;
use crate::error::TrackingError;

/// The most a JSON answer may weigh: a full page of metric history (25,000 points) is ~3 MB.
const JSON_LIMIT: u64 = 256 << 20;
/// The most an artifact download may weigh.
const ARTIFACT_LIMIT: u64 = 16 << 30;
/// The longest error message kept from an answer, in characters.
const MESSAGE_CHARS: usize = 600;
/// Query names and values keep RFC 3986's unreserved characters, as SigV4's canonical form does.
const QUERY: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// A connection to one tracking server.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    agent: ureq::Agent,
    /// The server's base URI without a trailing slash.
    uri: String,
    timeout: Duration,
    /// Sent with every request, e.g. the header routing to one SageMaker-managed server.
    headers: Vec<(String, String)>,
    signer: Option<Arc<dyn RequestSigner>>,
}

/// MLflow's error body: `{"error_code": "...", "message": "..."}`.
#[derive(Deserialize)]
struct ErrorBody {
    error_code: Option<String>,
    message: Option<String>,
}

impl Http {
    /// A transport for the server at `uri` whose requests each give up after `timeout`.
    pub(crate) fn new(uri: &str, timeout: Duration) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Error statuses carry MLflow's error_code and message: read them as answers.
            .http_status_as_error(false)
            // uvicorn (MLflow 3's server) closes idle keep-alive connections after 5 s.
            .max_idle_age(Duration::from_secs(4))
            .user_agent(concat!("mlpipe-tracking/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            agent: config.into(),
            uri: uri.trim_end_matches('/').to_string(),
            timeout,
            headers: Vec::new(),
            signer: None,
        }
    }

    /// Adds `headers` to every request and has `signer` authenticate it.
    pub(crate) fn authenticate(&mut self, signer: Arc<dyn RequestSigner>, headers: Vec<(String, String)>) {
        self.signer = Some(signer);
        self.headers = headers.into_iter().map(|(name, value)| (name.to_ascii_lowercase(), value)).collect();
    }

    /// The server's base URI, as errors name it.
    pub(crate) fn uri(&self) -> &str {
        &self.uri
    }

    /// `GET /api/2.0/mlflow/<endpoint>?<query>`, decoded as `T`.
    pub(crate) fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        query: &[(&str, &str)],
    ) -> Result<T, TrackingError> {
        let mut url = format!("{}/api/2.0/mlflow/{endpoint}", self.uri);
        for (i, (name, value)) in query.iter().enumerate() {
            let encode = |text| percent_encoding::utf8_percent_encode(text, QUERY);
            url += &format!("{}{}={}", if i == 0 { '?' } else { '&' }, encode(name), encode(value));
        }
        let answer = self.send("GET", endpoint, &url, None, &[])?;
        let body = self.read(endpoint, answer, JSON_LIMIT)?;
        self.decode(endpoint, &body)
    }

    /// `POST /api/2.0/mlflow/<endpoint>` with `request` as JSON, the answer decoded as `T`.
    pub(crate) fn post_json<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        request: &impl Serialize,
    ) -> Result<T, TrackingError> {
        let url = format!("{}/api/2.0/mlflow/{endpoint}", self.uri);
        let json =
            serde_json::to_vec(request).map_err(|e| self.protocol(endpoint, format!("encoding request: {e}")))?;
        let answer = self.send("POST", endpoint, &url, Some("application/json"), &json)?;
        let body = self.read(endpoint, answer, JSON_LIMIT)?;
        self.decode(endpoint, &body)
    }

    /// `GET /health`: whether the server is up.
    pub(crate) fn health(&self) -> Result<(), TrackingError> {
        let answer = self.send("GET", "health", &format!("{}/health", self.uri), None, &[])?;
        self.read("health", answer, JSON_LIMIT).map(drop)
    }

    /// `PUT /api/2.0/mlflow-artifacts/artifacts/<url_path>` with `bytes` as the body.
    /// `url_path` is already percent-encoded; `label` is the readable path errors name.
    pub(crate) fn put_artifact(&self, url_path: &str, label: &str, bytes: &[u8]) -> Result<(), TrackingError> {
        let url = format!("{}/api/2.0/mlflow-artifacts/artifacts/{url_path}", self.uri);
        let endpoint = format!("mlflow-artifacts/artifacts/{label}");
        let answer = self.send("PUT", &endpoint, &url, Some("application/octet-stream"), bytes)?;
        self.read(&endpoint, answer, JSON_LIMIT).map(drop)
    }

    /// `GET /api/2.0/mlflow-artifacts/artifacts/<url_path>`: the artifact's bytes.
    pub(crate) fn get_artifact(&self, url_path: &str, label: &str) -> Result<Vec<u8>, TrackingError> {
        let url = format!("{}/api/2.0/mlflow-artifacts/artifacts/{url_path}", self.uri);
        let endpoint = format!("mlflow-artifacts/artifacts/{label}");
        let answer = self.send("GET", &endpoint, &url, None, &[])?;
        self.read(&endpoint, answer, ARTIFACT_LIMIT)
    }

    /// Sends one request with the fixed headers and the signer's; a signer that fails (no
    /// credentials) is a [`TrackingError::Auth`].
    fn send(
        &self,
        method: &str,
        endpoint: &str,
        url: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<Result<ureq::http::Response<ureq::Body>, ureq::Error>, TrackingError> {
        let mut headers = self.headers.clone();
        if let Some(content_type) = content_type {
            headers.push(("content-type".to_string(), content_type.to_string()));
        }
        if let Some(signer) = &self.signer {
            let signed = signer.sign(method, url, &headers, body).map_err(|message| TrackingError::Auth {
                uri: self.uri.clone(),
                endpoint: endpoint.to_string(),
                message,
            })?;
            headers.extend(signed);
        }
        let mut request = ureq::http::Request::builder().method(method).uri(url);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        let request = request.body(body).map_err(|e| self.protocol(endpoint, format!("building request: {e}")))?;
        Ok(self.agent.run(request))
    }

    /// The body of a successful answer; every failure mapped to a [`TrackingError`].
    fn read(
        &self,
        endpoint: &str,
        answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        limit: u64,
    ) -> Result<Vec<u8>, TrackingError> {
        let mut response = answer.map_err(|e| self.transport(endpoint, e))?;
        let status = response.status().as_u16();
        let body =
            response.body_mut().with_config().limit(limit).read_to_vec().map_err(|e| self.transport(endpoint, e))?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let (error_code, message) = match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error_code: Some(code), message }) => (code, message.unwrap_or_default()),
            _ => (format!("HTTP_{status}"), String::from_utf8_lossy(&body).into_owned()),
        };
        let (uri, endpoint, message) = (self.uri.clone(), endpoint.to_string(), one_line(&message));
        Err(if status >= 500 {
            TrackingError::Server { uri, endpoint, status, error_code, message }
        } else {
            TrackingError::Api { uri, endpoint, status, error_code, message }
        })
    }

    fn decode<T: DeserializeOwned>(&self, endpoint: &str, body: &[u8]) -> Result<T, TrackingError> {
        serde_json::from_slice(body).map_err(|e| {
            let start = String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned();
            self.protocol(endpoint, format!("unexpected answer ({e}): {}", one_line(&start)))
        })
    }

    fn transport(&self, endpoint: &str, error: ureq::Error) -> TrackingError {
        let (uri, endpoint) = (self.uri.clone(), endpoint.to_string());
        match error {
            ureq::Error::Timeout(_) => TrackingError::Timeout { uri, endpoint, timeout: self.timeout },
            // A refused or reset connection, a name that does not resolve, a server that died
            // mid-answer: all may go away by themselves.
            ureq::Error::Io(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Protocol(_) => TrackingError::Unreachable { uri, endpoint, message: error.to_string() },
            other => TrackingError::Protocol { uri, endpoint, message: other.to_string() },
        }
    }

    fn protocol(&self, endpoint: &str, message: String) -> TrackingError {
        TrackingError::Protocol { uri: self.uri.clone(), endpoint: endpoint.to_string(), message }
    }
}

/// `text` on one line (runs of whitespace become one space), cut to [`MESSAGE_CHARS`]: MLflow's
/// messages can carry a multi-line SQL trace, and an error must read as one sentence.
fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match joined.char_indices().nth(MESSAGE_CHARS) {
        Some((cut, _)) => format!("{}...", &joined[..cut]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_joins_lines_and_cuts_long_messages() {
        assert_eq!(one_line("a\n  b\tc "), "a b c");
        let long = "x".repeat(MESSAGE_CHARS + 10);
        assert_eq!(one_line(&long).chars().count(), MESSAGE_CHARS + 3);
    }

    #[test]
    fn unreachable_server_is_a_retryable_error_naming_uri_and_endpoint() {
        // Port 9 (discard) on loopback: nothing listens there in a test environment.
        let http = Http::new("http://127.0.0.1:9/", Duration::from_secs(2));
        let err =
            http.get_json::<serde_json::Value>("experiments/get-by-name", &[("experiment_name", "x")]).unwrap_err();
        assert!(err.is_retryable(), "{err}");
        assert!(err.to_string().starts_with("mlflow http://127.0.0.1:9: experiments/get-by-name: "), "{err}");
    }
}
