//! The SigV4 signature of requests to SageMaker's managed MLflow equals the one botocore (AWS's
//! Python implementation, in the project's virtualenv) computes for the same request, time and
//! credentials: GET requests whose query needs encoding, JSON POSTs, an empty body, temporary
//! credentials with a session token. And an S3 artifact store round-trips through moto.

mod common;

use aws_credential_types::Credentials;
use common::moto::{workspace, Moto};
use mlpipe_aws::mlflow::{S3Objects, SigV4Signer};
use mlpipe_aws::s3::{build_client, S3Config};
use mlpipe_tracking::ArtifactObjects;
use std::collections::BTreeMap;
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

const ARN: &str = "arn:aws:sagemaker:eu-west-1:123456789012:mlflow-tracking-server/team";

/// The Authorization header botocore computes for `headers` (ours, signature included).
fn botocore_authorization(
    method: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
    body: &[u8],
    token: Option<&str>,
) -> String {
    let script = r#"
import json, sys
sys.path.insert(0, sys.argv[1])
from sigv4_gateway import expected_authorization
case = json.load(sys.stdin)
print(expected_authorization(case["method"], case["url"], case["headers"], bytes(case["body"]),
      "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", case["token"], "eu-west-1"))
"#;
    let case = serde_json::json!({ "method": method, "url": url, "headers": headers, "body": body, "token": token });
    let mut child = Command::new(workspace().join(".venv/bin/python"))
        .args(["-c", script])
        .arg(workspace().join("tests/python"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python from scripts/setup.sh");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(case.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "botocore failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[test]
fn signatures_equal_botocores() {
    let time = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let cases: [(&str, &str, &[u8], Option<&str>); 4] = [
        (
            "GET",
            "https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/metrics/get-history?run_id=abc&metric_key=train%3Aloss&max_results=25000",
            b"",
            None,
        ),
        (
            "GET",
            "http://127.0.0.1:5123/api/2.0/mlflow/experiments/get-by-name?experiment_name=news%2020%20%C3%A9",
            b"",
            None,
        ),
        (
            "POST",
            "https://eu-west-1.experiments.sagemaker.aws/api/2.0/mlflow/runs/log-batch",
            br#"{"run_id":"abc","metrics":[{"key":"train:loss","value":0.5,"timestamp":1,"step":2}]}"#,
            None,
        ),
        ("POST", "http://127.0.0.1:5123/api/2.0/mlflow/runs/search", b"{}", Some("session-token/with+chars=")),
    ];
    for (method, url, body, token) in cases {
        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(String::from),
            None,
            "test",
        );
        let signer = SigV4Signer::with_credentials("eu-west-1", credentials);
        let mut headers = vec![("x-mlflow-sm-tracking-server-arn".to_string(), ARN.to_string())];
        if method == "POST" {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let added = signer.sign_at(time, method, url, &headers, body).unwrap();
        let all: BTreeMap<String, String> = headers.iter().chain(&added).cloned().collect();
        assert_eq!(all["x-amz-date"], "20261118T110640Z");
        assert_eq!(all.get("x-amz-security-token").map(String::as_str), token);
        let ours = &all["authorization"];
        assert!(ours.contains("x-mlflow-sm-tracking-server-arn"), "the routing header is signed: {ours}");
        assert!(ours.contains("/eu-west-1/sagemaker-mlflow/aws4_request"), "{ours}");
        assert_eq!(ours, &botocore_authorization(method, url, &all, body, token), "{method} {url}");
    }
}

/// The signer with AWS's documented example credentials, and a fixed signing time.
fn example_signer() -> (SigV4Signer, std::time::SystemTime) {
    let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None, "test");
    (SigV4Signer::with_credentials("eu-west-1", credentials), UNIX_EPOCH + Duration::from_secs(1_795_000_000))
}

#[test]
fn a_tampered_request_no_longer_matches() {
    let (signer, time) = example_signer();
    let url = "http://127.0.0.1:5123/api/2.0/mlflow/runs/get?run_id=abc";
    let headers = vec![("x-mlflow-sm-tracking-server-arn".to_string(), ARN.to_string())];
    let all: BTreeMap<String, String> =
        headers.iter().chain(&signer.sign_at(time, "GET", url, &headers, b"").unwrap()).cloned().collect();
    let other = botocore_authorization("GET", &url.replace("abc", "abd"), &all, b"", None);
    assert_ne!(all["authorization"], other, "the check can fail");
}

#[test]
fn a_required_header_left_unsigned_fails_the_check() {
    // Signed without the routing header, which is then added to the request: the signature over
    // what was signed is valid, but the check requires that header to be signed.
    let (signer, time) = example_signer();
    let url = "http://127.0.0.1:5123/api/2.0/mlflow/runs/get?run_id=abc";
    let mut all: BTreeMap<String, String> = signer.sign_at(time, "GET", url, &[], b"").unwrap().into_iter().collect();
    assert!(!all["authorization"].contains("x-mlflow-sm-tracking-server-arn"));
    all.insert("x-mlflow-sm-tracking-server-arn".to_string(), ARN.to_string());
    assert_ne!(all["authorization"], botocore_authorization("GET", url, &all, b"", None), "the check can fail");
}

#[test]
fn s3_artifact_objects_round_trip_through_moto() {
    let moto = Moto::start();
    let config = S3Config {
        endpoint_url: Some(moto.endpoint.clone()),
        force_path_style: true,
        max_attempts: 1,
        credentials: Some(Credentials::new("testing", "testing", None, None, "moto")),
        ..S3Config::default()
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime
        .block_on(async { build_client(&config).await.create_bucket().bucket("mlflow-artifacts").send().await })
        .unwrap();
    let objects = S3Objects::with_config("us-east-1", config);
    let uri = "s3://mlflow-artifacts/2/abc/artifacts/training/statistics.json";
    objects.put(uri, b"{\"accuracy\": 1}").unwrap();
    assert_eq!(objects.get(uri).unwrap(), b"{\"accuracy\": 1}");
    let missing = objects.get("s3://mlflow-artifacts/2/abc/artifacts/none.json").unwrap_err();
    assert!(missing.contains("none.json"), "{missing}");
}
