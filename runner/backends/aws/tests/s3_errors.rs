//! What the user reads when the S3 root is wrong, against moto_server: each failure is one line
//! that names the setting or the object and says what is wrong. Denied access and a bucket in
//! another region cannot be produced with moto; `src/s3/errors.rs` tests their messages on
//! constructed SDK errors.
//!
//! Index:
//! - `a_missing_bucket_fails_at_open`: `open_root_with` checks the bucket before any step runs.
//! - `a_missing_bucket_fails_each_request`: a storage made without the check still says why.
//! - `a_refused_connection_names_the_endpoint`: nothing listening at the endpoint.

mod common;

use aws_sdk_s3::config::Credentials;
use common::moto::Moto;
use mlpipe_aws::s3::{open_root_with, S3Config, S3Storage};
use mlpipe_core::settings::Root;
use mlpipe_core::storage::Storage;

fn config_for(endpoint: &str) -> S3Config {
    S3Config {
        region: Some("us-east-1".into()),
        endpoint_url: Some(endpoint.to_owned()),
        force_path_style: true,
        max_attempts: 1,
        credentials: Some(Credentials::new("testing", "testing", None, None, "moto")),
        ..S3Config::default()
    }
}

fn root(bucket: &str, prefix: &str) -> Root {
    Root::S3 { bucket: bucket.into(), prefix: prefix.into() }
}

#[test]
fn a_missing_bucket_fails_at_open() {
    let moto = Moto::start();
    let err = open_root_with(&root("missing", "exp"), config_for(&moto.endpoint)).expect_err("open fails");
    assert_eq!(err.to_string(), "storage error at experiment.root = s3://missing/exp: bucket missing does not exist");
}

#[test]
fn a_missing_bucket_fails_each_request() {
    let moto = Moto::start();
    let storage = S3Storage::new("missing", "exp", config_for(&moto.endpoint)).unwrap();
    let err = storage.get("a/b").unwrap_err();
    assert_eq!(err.to_string(), "storage error at s3://missing/exp/a/b: bucket missing does not exist");
    let err = storage.put("a/b", b"x").unwrap_err();
    assert_eq!(err.to_string(), "storage error at s3://missing/exp/a/b: bucket missing does not exist");
    let err = storage.list("a/").unwrap_err();
    assert_eq!(err.to_string(), "storage error at s3://missing/exp/a/: bucket missing does not exist");
}

#[test]
fn a_refused_connection_names_the_endpoint() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap().local_addr().unwrap().port();
    let endpoint = format!("http://127.0.0.1:{port}");
    let err = open_root_with(&root("data", "exp"), config_for(&endpoint)).expect_err("open fails");
    assert_eq!(
        err.to_string(),
        format!("storage error at experiment.root = s3://data/exp: cannot connect to {endpoint}: connection refused")
    );
    let storage = S3Storage::new("data", "", config_for(&endpoint)).unwrap();
    let err = storage.get("k").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("storage error at s3://data/k: cannot connect to {endpoint}: connection refused")
    );
}
