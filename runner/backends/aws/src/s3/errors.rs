//! What an SDK error means to the storage. [`classify`] sorts any S3 operation's error into the
//! few outcomes the [`Storage`](mlpipe_core::storage::Storage) methods decide on (missing object,
//! failed condition) and, for everything else, a one-line lowercase message that says what to do:
//! a missing bucket, denied access, a bucket in another region, an endpoint that does not answer.
//! Messages never include credentials; the SDK's errors do not carry them.

use std::error::Error;
use std::io;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ConnectorError, DisplayErrorContext, ProvideErrorMetadata, SdkError};
use mlpipe_core::storage::StorageError;

/// The response header in which S3 names a bucket's region (on redirects and `HeadBucket`).
const BUCKET_REGION_HEADER: &str = "x-amz-bucket-region";

/// What a failed request means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No object at the key (404, `NoSuchKey`).
    NotFound,
    /// A conditional write found an object in place (412 `PreconditionFailed`).
    PreconditionFailed,
    /// A conditional write raced with another operation on the key (409
    /// `ConditionalRequestConflict`); AWS advises retrying.
    Conflict,
    /// Anything else, phrased for the user.
    Other(String),
}

impl Failure {
    /// The storage error for the object at `uri`.
    pub(crate) fn at(self, uri: String) -> StorageError {
        match self {
            Failure::NotFound => StorageError::NotFound { uri },
            Failure::PreconditionFailed => StorageError::AlreadyExists { uri },
            Failure::Conflict => {
                StorageError::Other { uri, message: "a concurrent write to the object conflicted".into() }
            }
            Failure::Other(message) => StorageError::Other { uri, message },
        }
    }
}

/// Sorts `err`, an error of a request to `bucket` through `endpoint`.
pub(crate) fn classify<E>(err: &SdkError<E, HttpResponse>, bucket: &str, endpoint: &str) -> Failure
where
    E: ProvideErrorMetadata + Error + 'static,
{
    match err {
        SdkError::DispatchFailure(failure) => {
            return Failure::Other(match failure.as_connector_error() {
                Some(connector) => unreachable(connector, endpoint),
                None => format!("cannot reach {endpoint}"),
            })
        }
        SdkError::TimeoutError(_) => return Failure::Other(format!("timed out waiting for {endpoint}")),
        SdkError::ConstructionFailure(_) => {
            // Typically no credentials anywhere in the chain; the chain's message says which.
            return Failure::Other(one_line(&format!("cannot make the request: {}", DisplayErrorContext(err))));
        }
        // A response came: what it says decides.
        _ => {}
    }
    let raw = err.raw_response();
    let status = raw.map(|r| r.status().as_u16());
    let code = err.code();
    let message = err.message().unwrap_or_default();
    match (code, status) {
        (Some("NoSuchBucket"), _) => Failure::Other(format!("bucket {bucket} does not exist")),
        (Some("PermanentRedirect" | "IllegalLocationConstraintException"), _) | (_, Some(301)) => {
            let region = raw.and_then(|r| r.headers().get(BUCKET_REGION_HEADER)).or_else(|| expected_region(message));
            Failure::Other(wrong_region(bucket, region))
        }
        (Some("AuthorizationHeaderMalformed"), _) if expected_region(message).is_some() => {
            Failure::Other(wrong_region(bucket, expected_region(message)))
        }
        (Some("AccessDenied"), _) | (_, Some(403)) => {
            Failure::Other("access denied (check the credentials and the bucket policy)".into())
        }
        (Some("NoSuchKey" | "NotFound") | None, Some(404)) | (Some("NoSuchKey"), _) => Failure::NotFound,
        (Some("PreconditionFailed"), _) | (_, Some(412)) => Failure::PreconditionFailed,
        (Some("ConditionalRequestConflict"), _) | (_, Some(409)) => Failure::Conflict,
        (Some(code), _) if message.is_empty() => Failure::Other(format!("s3 error {code}")),
        (Some(code), _) => Failure::Other(one_line(&format!("s3 error {code}: {message}"))),
        (None, Some(status)) => Failure::Other(format!("unexpected http {status} response from {endpoint}")),
        (None, None) => {
            Failure::Other(one_line(&format!("unexpected response from {endpoint}: {}", DisplayErrorContext(err))))
        }
    }
}

/// Where the SDK's default chain looks for credentials, in its order.
pub(crate) const NO_CREDENTIALS: &str = "no AWS credentials found: looked in the environment \
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the profile (AWS_PROFILE, default) in ~/.aws/credentials \
and ~/.aws/config, a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint \
and EC2 instance metadata";

/// The message for a request that never got a response.
fn unreachable(connector: &ConnectorError, endpoint: &str) -> String {
    let causes = || std::iter::successors(connector.source(), |&e| e.source());
    let refused =
        causes().filter_map(|e| e.downcast_ref::<io::Error>()).any(|e| e.kind() == io::ErrorKind::ConnectionRefused);
    // The credentials chain came up empty (or its last provider failed): nothing was sent.
    let credentials = causes().find_map(|e| e.downcast_ref::<CredentialsError>());
    if let Some(err) = credentials {
        match err {
            CredentialsError::CredentialsNotLoaded(_) => NO_CREDENTIALS.to_string(),
            other => {
                let why = other.source().map_or_else(|| other.to_string(), ToString::to_string);
                let why: String = one_line(&why).chars().take(120).collect();
                format!("{NO_CREDENTIALS} (the last one failed: {why})")
            }
        }
    } else if refused {
        format!("cannot connect to {endpoint}: connection refused")
    } else if connector.is_timeout() {
        format!("timed out connecting to {endpoint}")
    } else {
        one_line(&format!("cannot reach {endpoint}: {}", DisplayErrorContext(connector)))
    }
}

fn wrong_region(bucket: &str, region: Option<&str>) -> String {
    match region {
        Some(region) => format!("bucket {bucket} is in another region: {region}; set AWS_REGION"),
        None => format!("bucket {bucket} is in another region; set AWS_REGION"),
    }
}

/// The region in S3's "the region 'us-east-1' is wrong; expecting 'eu-west-1'" messages.
fn expected_region(message: &str) -> Option<&str> {
    let rest = &message[message.find("expecting '")? + "expecting '".len()..];
    rest.split('\'').next().filter(|region| !region.is_empty())
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::error::ErrorMetadata;
    use aws_sdk_s3::operation::get_object::GetObjectError;
    use aws_sdk_s3::operation::head_bucket::HeadBucketError;
    use aws_sdk_s3::operation::put_object::PutObjectError;
    use aws_sdk_s3::primitives::SdkBody;
    use aws_sdk_s3::types::error::{NoSuchKey, NotFound};

    use super::*;

    const ENDPOINT: &str = "https://s3.us-east-1.amazonaws.com";

    fn response(status: u16, headers: &[(&'static str, &'static str)]) -> HttpResponse {
        let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        for &(name, value) in headers {
            response.headers_mut().insert(name, value);
        }
        response
    }

    fn meta(code: &str, message: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).message(message).build()
    }

    fn get_error(code: &str, message: &str, status: u16) -> SdkError<GetObjectError, HttpResponse> {
        SdkError::service_error(GetObjectError::generic(meta(code, message)), response(status, &[]))
    }

    fn other(message: &str) -> Failure {
        Failure::Other(message.into())
    }

    #[test]
    fn missing_objects_are_not_found() {
        let no_such_key = GetObjectError::NoSuchKey(NoSuchKey::builder().build());
        assert_eq!(
            classify(&SdkError::service_error(no_such_key, response(404, &[])), "b", ENDPOINT),
            Failure::NotFound
        );
        // HeadObject's 404 has no body, hence no code.
        let head = HeadBucketError::NotFound(NotFound::builder().build());
        assert_eq!(classify(&SdkError::service_error(head, response(404, &[])), "b", ENDPOINT), Failure::NotFound);
    }

    #[test]
    fn a_missing_bucket_is_named() {
        let err = get_error("NoSuchBucket", "The specified bucket does not exist", 404);
        assert_eq!(classify(&err, "data", ENDPOINT), other("bucket data does not exist"));
    }

    #[test]
    fn denied_access_says_what_to_check() {
        let expected = other("access denied (check the credentials and the bucket policy)");
        assert_eq!(classify(&get_error("AccessDenied", "Access Denied", 403), "b", ENDPOINT), expected);
        assert_eq!(classify(&get_error("InvalidAccessKeyId", "nope", 403), "b", ENDPOINT), expected);
        // HeadBucket's 403 has no body.
        let head =
            SdkError::service_error(HeadBucketError::generic(ErrorMetadata::builder().build()), response(403, &[]));
        assert_eq!(classify(&head, "b", ENDPOINT), expected);
    }

    #[test]
    fn a_bucket_in_another_region_names_the_region_when_s3_does() {
        let head = HeadBucketError::generic(ErrorMetadata::builder().build());
        let redirect = response(301, &[(BUCKET_REGION_HEADER, "eu-west-1")]);
        assert_eq!(
            classify(&SdkError::service_error(head, redirect), "b", ENDPOINT),
            other("bucket b is in another region: eu-west-1; set AWS_REGION")
        );
        let malformed = get_error(
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the region 'us-east-1' is wrong; expecting 'ap-south-1'",
            400,
        );
        assert_eq!(
            classify(&malformed, "b", ENDPOINT),
            other("bucket b is in another region: ap-south-1; set AWS_REGION")
        );
        let permanent =
            get_error("PermanentRedirect", "The bucket you are attempting to access must be addressed", 301);
        assert_eq!(classify(&permanent, "b", ENDPOINT), other("bucket b is in another region; set AWS_REGION"));
    }

    #[test]
    fn failed_conditions_are_told_apart() {
        let precondition = PutObjectError::generic(meta("PreconditionFailed", "At least one of the pre-conditions"));
        let err = SdkError::service_error(precondition, response(412, &[]));
        assert_eq!(classify(&err, "b", ENDPOINT), Failure::PreconditionFailed);
        let conflict = PutObjectError::generic(meta("ConditionalRequestConflict", "A conflicting operation"));
        assert_eq!(classify(&SdkError::service_error(conflict, response(409, &[])), "b", ENDPOINT), Failure::Conflict);
    }

    #[test]
    fn a_refused_connection_names_the_endpoint() {
        let refused = ConnectorError::io(Box::new(io::Error::from(io::ErrorKind::ConnectionRefused)));
        let err: SdkError<GetObjectError, HttpResponse> = SdkError::dispatch_failure(refused);
        assert_eq!(
            classify(&err, "b", "http://127.0.0.1:9"),
            other("cannot connect to http://127.0.0.1:9: connection refused")
        );
    }

    #[test]
    fn other_service_errors_keep_code_and_message_on_one_line() {
        let err = get_error("InternalError", "We encountered\nan internal error.", 500);
        assert_eq!(classify(&err, "b", ENDPOINT), other("s3 error InternalError: We encountered an internal error."));
    }

    #[test]
    fn failures_become_storage_errors_naming_the_uri() {
        let uri = || "s3://b/p/k".to_string();
        assert!(Failure::NotFound.at(uri()).is_not_found());
        assert!(Failure::PreconditionFailed.at(uri()).is_already_exists());
        let err = other("bucket b does not exist").at(uri());
        assert_eq!(err.to_string(), "storage error at s3://b/p/k: bucket b does not exist");
    }
}
