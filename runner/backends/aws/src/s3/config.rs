//! [`S3Config`]: how the S3 backend talks to S3, apart from the bucket and prefix that the
//! experiment root names. [`S3Config::from_env`] reads the few knobs that matter from the
//! environment (a custom endpoint such as MinIO or moto, the number of attempts); everything else
//! (region, credentials) comes from the SDK's standard chain when the client is built.

use std::fmt;

use aws_sdk_s3::config::Credentials;
use mlpipe_core::storage::StorageError;

/// One MiB, the unit S3's part-size rules are written in.
pub const MIB: u64 = 1024 * 1024;

/// The smallest part S3 accepts in a multipart upload (every part but the last).
pub const MIN_PART_SIZE: u64 = 5 * MIB;

/// S3's limit on the number of parts of one multipart upload.
pub const MAX_PARTS: u64 = 10_000;

/// The SDK's standard number of attempts (the first try and two retries).
const DEFAULT_MAX_ATTEMPTS: u32 = 3;

/// Settings of the S3 client and of uploads.
#[derive(Clone)]
pub struct S3Config {
    /// The region; `None` takes it from the standard chain (`AWS_REGION`, `AWS_DEFAULT_REGION`,
    /// the profile), falling back to `us-east-1`.
    pub region: Option<String>,
    /// A custom endpoint (`http://127.0.0.1:9000`); `None` for AWS itself.
    pub endpoint_url: Option<String>,
    /// Address buckets as `endpoint/bucket/key` rather than `bucket.endpoint/key`; what
    /// S3-compatible servers without wildcard DNS need.
    pub force_path_style: bool,
    /// Attempts per request, the first included (1 turns retries off).
    pub max_attempts: u32,
    /// Files at least this large are uploaded in parts.
    pub multipart_threshold: u64,
    /// The size of each part but the last; at least [`MIN_PART_SIZE`].
    pub part_size: u64,
    /// Keys per `ListObjectsV2` page; `None` leaves S3's default (1000).
    pub list_page_size: Option<i32>,
    /// Fixed credentials instead of the standard chain (tests, or a caller that has its own).
    /// Never printed: `Debug` only says whether they are set.
    pub credentials: Option<Credentials>,
}

impl Default for S3Config {
    fn default() -> Self {
        Self {
            region: None,
            endpoint_url: None,
            force_path_style: false,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            multipart_threshold: 16 * MIB,
            part_size: 8 * MIB,
            list_page_size: None,
            credentials: None,
        }
    }
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field("force_path_style", &self.force_path_style)
            .field("max_attempts", &self.max_attempts)
            .field("multipart_threshold", &self.multipart_threshold)
            .field("part_size", &self.part_size)
            .field("list_page_size", &self.list_page_size)
            .field("credentials", &self.credentials.as_ref().map(|_| "static (redacted)"))
            .finish()
    }
}

impl S3Config {
    /// The defaults, adjusted by the environment: `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` set
    /// a custom endpoint (and path-style addressing, which such servers need), and
    /// `MLPIPE_AWS_MAX_ATTEMPTS` the attempts per request.
    ///
    /// # Errors
    /// [`StorageError::Other`] naming the variable when `MLPIPE_AWS_MAX_ATTEMPTS` is not a
    /// positive integer.
    pub fn from_env() -> Result<Self, StorageError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`S3Config::from_env`] reading variables through `var`, so that tests need not touch the
    /// process environment.
    ///
    /// # Errors
    /// As [`S3Config::from_env`].
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, StorageError> {
        let set = |name: &str| var(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let mut config = Self::default();
        config.endpoint_url = set("AWS_ENDPOINT_URL_S3").or_else(|| set("AWS_ENDPOINT_URL"));
        config.force_path_style = config.endpoint_url.is_some();
        if let Some(text) = set("MLPIPE_AWS_MAX_ATTEMPTS") {
            config.max_attempts = text.parse().ok().filter(|&n| n > 0).ok_or_else(|| StorageError::Other {
                uri: "MLPIPE_AWS_MAX_ATTEMPTS".into(),
                message: format!("expected a positive integer, got {text:?}"),
            })?;
        }
        Ok(config)
    }

    /// The part size for a file of `len` bytes: the configured size, raised to S3's minimum and
    /// to what keeps the upload within [`MAX_PARTS`] parts.
    pub fn part_size_for(&self, len: u64) -> u64 {
        self.part_size.max(MIN_PART_SIZE).max(len.div_ceil(MAX_PARTS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_talk_to_aws_with_standard_retries() {
        let config = S3Config::from_vars(vars(&[])).unwrap();
        assert_eq!(config.endpoint_url, None);
        assert!(!config.force_path_style);
        assert_eq!(config.max_attempts, 3);
        assert_eq!((config.multipart_threshold, config.part_size), (16 * MIB, 8 * MIB));
    }

    #[test]
    fn a_custom_endpoint_forces_path_style_and_the_s3_variable_wins() {
        let config = S3Config::from_vars(vars(&[("AWS_ENDPOINT_URL", "http://a:1")])).unwrap();
        assert_eq!(config.endpoint_url.as_deref(), Some("http://a:1"));
        assert!(config.force_path_style);
        let both = vars(&[("AWS_ENDPOINT_URL", "http://a:1"), ("AWS_ENDPOINT_URL_S3", "http://s3:2")]);
        assert_eq!(S3Config::from_vars(both).unwrap().endpoint_url.as_deref(), Some("http://s3:2"));
    }

    #[test]
    fn max_attempts_must_be_a_positive_integer() {
        let config = S3Config::from_vars(vars(&[("MLPIPE_AWS_MAX_ATTEMPTS", "1")])).unwrap();
        assert_eq!(config.max_attempts, 1);
        let err = S3Config::from_vars(vars(&[("MLPIPE_AWS_MAX_ATTEMPTS", "0")])).unwrap_err();
        assert_eq!(err.to_string(), "storage error at MLPIPE_AWS_MAX_ATTEMPTS: expected a positive integer, got \"0\"");
    }

    #[test]
    fn part_size_respects_the_minimum_and_the_part_limit() {
        let config = S3Config { part_size: MIB, ..S3Config::default() };
        assert_eq!(config.part_size_for(12 * MIB), MIN_PART_SIZE);
        // 100 GiB in 8 MiB parts would be 12800 parts, over the limit.
        let big = 100 * 1024 * MIB;
        let part = S3Config::default().part_size_for(big);
        assert!(big.div_ceil(part) <= MAX_PARTS && part > 8 * MIB);
    }

    #[test]
    fn debug_does_not_print_credentials() {
        let credentials = Credentials::new("AKIDSECRETID", "very-secret", None, None, "test");
        let config = S3Config { credentials: Some(credentials), ..S3Config::default() };
        let text = format!("{config:?}");
        assert!(!text.contains("AKIDSECRETID") && !text.contains("very-secret"), "{text}");
    }
}
