//! A run's artifacts. Through the tracking server's artifact proxy (`mlflow server
//! --serve-artifacts`, the default since MLflow 2), uploads and downloads go to
//! `/api/2.0/mlflow-artifacts/artifacts/<experiment>/<run>/artifacts/<path>`, found from the run's
//! `mlflow-artifacts:/...` artifact URI. A run whose artifact URI is in a store the client was
//! given [`ArtifactObjects`] for (S3 behind SageMaker's managed MLflow) is written there directly,
//! as MLflow's own client does. Any other store (a local folder of the server's) is refused with a
//! clear error rather than half supported. Listing always asks the server, which reads its store.

use crate::access::ArtifactObjects;
use crate::client::MlflowClient;
use crate::error::TrackingError;
use crate::wire::ListArtifactsAnswer;

const PROXY_SCHEME: &str = "mlflow-artifacts:";

/// One entry of [`MlflowClient::list_artifacts`]: the path relative to the run's artifact root,
/// whether it is a folder, and a file's size in bytes.
pub type ArtifactEntry = (String, bool, Option<u64>);

impl MlflowClient {
    /// Stores `bytes` as the run's artifact `path` (relative, `/`-separated, e.g.
    /// `curves/loss.png`), replacing any artifact already there.
    ///
    /// # Errors
    /// An invalid path, a run whose artifact store is not the server's proxy
    /// ([`TrackingError::UnsupportedArtifactStore`]), or any failed request.
    pub fn upload_artifact(&self, run_id: &str, path: &str, bytes: &[u8]) -> Result<(), TrackingError> {
        let path = self.checked_path(path)?;
        match self.artifact_root(run_id)? {
            Root::Proxy(root) => {
                self.http.put_artifact(&format!("{}/{}", encode_path(&root), encode_path(path)), path, bytes)
            }
            Root::Objects(objects, root) => {
                let uri = format!("{root}/{path}");
                objects.put(&uri, bytes).map_err(|message| self.store_error(run_id, uri, message))
            }
        }
    }

    /// The bytes of the run's artifact `path`.
    ///
    /// # Errors
    /// As [`MlflowClient::upload_artifact`]; `RESOURCE_DOES_NOT_EXIST` for a missing artifact.
    pub fn download_artifact(&self, run_id: &str, path: &str) -> Result<Vec<u8>, TrackingError> {
        let path = self.checked_path(path)?;
        match self.artifact_root(run_id)? {
            Root::Proxy(root) => self.http.get_artifact(&format!("{}/{}", encode_path(&root), encode_path(path)), path),
            Root::Objects(objects, root) => {
                let uri = format!("{root}/{path}");
                objects.get(&uri).map_err(|message| self.store_error(run_id, uri, message))
            }
        }
    }

    /// The entries directly inside the run's artifact folder `path` (`""` for the root), each with
    /// its path relative to the root; a folder that does not exist lists as empty.
    ///
    /// # Errors
    /// An invalid path, or any failed request.
    pub fn list_artifacts(&self, run_id: &str, path: &str) -> Result<Vec<ArtifactEntry>, TrackingError> {
        let path = if path.is_empty() { path } else { self.checked_path(path)? };
        let mut token = String::new();
        let mut out = Vec::new();
        loop {
            let mut query = vec![("run_id", run_id), ("path", path)];
            if !token.is_empty() {
                query.push(("page_token", token.as_str()));
            }
            let answer: ListArtifactsAnswer = self.http.get_json("artifacts/list", &query)?;
            out.extend(answer.files.into_iter().map(|f| (f.path, f.is_dir, f.file_size)));
            match answer.next_page_token {
                Some(next) if !next.is_empty() => token = next,
                _ => return Ok(out),
            }
        }
    }

    /// Where the run's artifacts go: below the proxy (e.g. `1/<run_id>/artifacts`), or the run's
    /// artifact URI in a store this client reaches itself.
    fn artifact_root(&self, run_id: &str) -> Result<Root<'_>, TrackingError> {
        let artifact_uri = self.get_run(run_id)?.artifact_uri;
        if let Some(root) = proxy_path(&artifact_uri) {
            return Ok(Root::Proxy(root));
        }
        match &self.objects {
            Some(objects) if objects.handles(&artifact_uri) => {
                Ok(Root::Objects(objects.as_ref(), artifact_uri.trim_end_matches('/').to_string()))
            }
            _ => Err(TrackingError::UnsupportedArtifactStore {
                uri: self.uri().to_string(),
                run_id: run_id.to_string(),
                artifact_uri,
            }),
        }
    }

    fn store_error(&self, run_id: &str, artifact: String, message: String) -> TrackingError {
        TrackingError::ArtifactStore { uri: self.uri().to_string(), run_id: run_id.to_string(), artifact, message }
    }

    /// `path` if it is relative and stays inside the run's artifact folder.
    fn checked_path<'p>(&self, path: &'p str) -> Result<&'p str, TrackingError> {
        let reason = if path.is_empty() {
            Some("it is empty")
        } else if path.starts_with('/') {
            Some("it must be relative to the run's artifact folder")
        } else if path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
            Some("its parts must be non-empty names other than `.` and `..`")
        } else if path.contains('\\') {
            Some("it must use `/` as separator")
        } else {
            None
        };
        match reason {
            Some(reason) => Err(TrackingError::InvalidInput {
                uri: self.uri().to_string(),
                what: "artifact path",
                value: path.to_string(),
                reason,
            }),
            None => Ok(path),
        }
    }
}

/// A run's artifact root, by where it lives.
enum Root<'a> {
    /// The path below the server's artifact proxy.
    Proxy(String),
    /// The run's artifact URI (no trailing `/`) in a store the client writes itself.
    Objects(&'a dyn ArtifactObjects, String),
}

/// The proxy path of an `mlflow-artifacts:` URI: `mlflow-artifacts:/1/r/artifacts` and
/// `mlflow-artifacts://host:5000/1/r/artifacts` both give `1/r/artifacts`; other schemes give None.
fn proxy_path(artifact_uri: &str) -> Option<String> {
    let rest = artifact_uri.strip_prefix(PROXY_SCHEME)?;
    let rest = match rest.strip_prefix("//") {
        // Skip the authority: the proxy is the server this client talks to.
        Some(authority_and_path) => &authority_and_path[authority_and_path.find('/')?..],
        None => rest,
    };
    let path = rest.trim_matches('/');
    (!path.is_empty()).then(|| path.to_string())
}

/// Every byte but RFC 3986's unreserved characters and `/` is encoded.
const ENCODED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~').remove(b'/');

/// `path` percent-encoded segment by segment (RFC 3986 unreserved characters kept, `/` kept).
fn encode_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, ENCODED).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn proxy_uris_with_and_without_authority_give_the_run_root() {
        assert_eq!(proxy_path("mlflow-artifacts:/1/abc/artifacts").as_deref(), Some("1/abc/artifacts"));
        assert_eq!(proxy_path("mlflow-artifacts://h:5000/1/abc/artifacts").as_deref(), Some("1/abc/artifacts"));
        assert_eq!(proxy_path("s3://bucket/1/abc/artifacts"), None);
        assert_eq!(proxy_path("file:///tmp/mlruns/1/abc/artifacts"), None);
        assert_eq!(proxy_path("mlflow-artifacts://host-only"), None);
    }

    #[test]
    fn paths_are_percent_encoded_but_keep_separators() {
        assert_eq!(encode_path("curves/a b%.png"), "curves/a%20b%25.png");
        assert_eq!(encode_path("é"), "%C3%A9");
    }

    #[test]
    fn paths_leaving_the_run_folder_are_refused() {
        let client = MlflowClient::new("http://127.0.0.1:9", Duration::from_secs(1));
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a\\b"] {
            let err = client.checked_path(bad).unwrap_err();
            assert!(err.to_string().contains("invalid artifact path"), "{bad}: {err}");
        }
        assert_eq!(client.checked_path("curves/loss.png").unwrap(), "curves/loss.png");
    }
}
