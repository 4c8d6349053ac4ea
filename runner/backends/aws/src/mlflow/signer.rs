//! [`SigV4Signer`]: AWS Signature Version 4 for the requests of an MLflow client, computed by the
//! SDK's own `aws-sigv4` with the body's SHA-256 in `x-amz-content-sha256` (as AWS's Python
//! plugin sends it). Credentials come from the standard chain (environment, profile, SSO, the
//! container or instance role of a SageMaker job) and are kept until five minutes before they
//! expire.

use crate::s3::runtime::BlockingRuntime;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_config::Region;
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use mlpipe_tracking::{RequestSigner, SIGNING_SERVICE};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Credentials closer than this to their expiry are fetched again.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// Signs requests for SageMaker's managed MLflow in one region.
pub struct SigV4Signer {
    region: String,
    source: Source,
    cached: Mutex<Option<Credentials>>,
}

enum Source {
    Fixed(Credentials),
    Chain { provider: DefaultCredentialsChain, runtime: BlockingRuntime },
}

impl SigV4Signer {
    /// A signer for `region` with credentials from the standard AWS chain.
    ///
    /// # Errors
    /// When the runtime's threads cannot be started.
    pub fn from_environment(region: &str) -> std::io::Result<Self> {
        let runtime = BlockingRuntime::new()?;
        let region_name = Region::new(region.to_string());
        let provider = runtime.block_on(DefaultCredentialsChain::builder().region(region_name).build());
        Ok(Self { region: region.to_string(), source: Source::Chain { provider, runtime }, cached: Mutex::new(None) })
    }

    /// A signer for `region` with fixed credentials.
    pub fn with_credentials(region: &str, credentials: Credentials) -> Self {
        Self { region: region.to_string(), source: Source::Fixed(credentials), cached: Mutex::new(None) }
    }

    /// The headers that sign `method url` with `headers` and `body` at `time`.
    ///
    /// # Errors
    /// No credentials, or a request `aws-sigv4` cannot read (a malformed URL).
    pub fn sign_at(
        &self,
        time: SystemTime,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        let identity = self.credentials()?.into();
        let mut settings = SigningSettings::default();
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name(SIGNING_SERVICE)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| format!("SigV4 parameters: {e}"))?
            .into();
        let request = SignableRequest::new(
            method,
            url,
            headers.iter().map(|(name, value)| (name.as_str(), value.as_str())),
            SignableBody::Bytes(body),
        )
        .map_err(|e| format!("SigV4 cannot read {method} {url}: {e}"))?;
        let (instructions, _signature) =
            sign(request, &params).map_err(|e| format!("SigV4 signing {method} {url}: {e}"))?.into_parts();
        Ok(instructions.headers().map(|(name, value)| (name.to_string(), value.to_string())).collect())
    }

    fn credentials(&self) -> Result<Credentials, String> {
        let (provider, runtime) = match &self.source {
            Source::Fixed(credentials) => return Ok(credentials.clone()),
            Source::Chain { provider, runtime } => (provider, runtime),
        };
        let mut cached = self.cached.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let fresh = |credentials: &Credentials| {
            credentials.expiry().is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
        };
        if let Some(credentials) = cached.as_ref().filter(|credentials| fresh(credentials)) {
            return Ok(credentials.clone());
        }
        let credentials = runtime.block_on(provider.provide_credentials()).map_err(|e| {
            format!("no AWS credentials for SageMaker MLflow in {} ({e}); set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run with a role", self.region)
        })?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

impl RequestSigner for SigV4Signer {
    fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Vec<(String, String)>, String> {
        self.sign_at(SystemTime::now(), method, url, headers, body)
    }
}

impl fmt::Debug for SigV4Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            Source::Fixed(_) => "fixed credentials",
            Source::Chain { .. } => "the standard credential chain",
        };
        f.debug_struct("SigV4Signer").field("region", &self.region).field("credentials", &source).finish()
    }
}
