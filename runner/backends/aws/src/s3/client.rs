//! Building the SDK client from an [`S3Config`]: the standard AWS chain for region and
//! credentials (environment, profile, instance or container roles), overridden by whatever the
//! config sets explicitly, and the endpoint to name in connection errors.

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_s3::Client;

use super::S3Config;

/// The region when neither the config nor the standard chain names one: S3's original region,
/// which answers for buckets anywhere (with a redirect error naming their region).
const DEFAULT_REGION: &str = "us-east-1";

/// A client and where it sends requests.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub(crate) client: Client,
    /// The endpoint, for messages: the configured URL, or the regional AWS one.
    pub(crate) endpoint: String,
}

/// An S3 client configured by `config`.
pub async fn build_client(config: &S3Config) -> Client {
    connect(config).await.client
}

/// [`build_client`], also saying which endpoint it talks to.
pub(crate) async fn connect(config: &S3Config) -> Connection {
    let region = RegionProviderChain::first_try(config.region.clone().map(Region::new))
        .or_default_provider()
        .or_else(Region::from_static(DEFAULT_REGION));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .retry_config(RetryConfig::standard().with_max_attempts(config.max_attempts.max(1)));
    if let Some(url) = &config.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(credentials) = &config.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    let shared = loader.load().await;
    let endpoint = match &config.endpoint_url {
        Some(url) => url.clone(),
        None => {
            let region = shared.region().map_or(DEFAULT_REGION, |r| r.as_ref());
            format!("https://s3.{region}.amazonaws.com")
        }
    };
    let s3_config = aws_sdk_s3::config::Builder::from(&shared).force_path_style(config.force_path_style).build();
    Connection { client: Client::from_conf(s3_config), endpoint }
}
