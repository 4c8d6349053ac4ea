//! What failures read like: MLflow's refusals name the URI, the endpoint and MLflow's error_code on
//! one line and are not retryable; a run whose artifacts the proxy does not serve is refused
//! before any upload.

use mlpipe_tracking::{RunSpec, TrackingError};

use crate::common::server::Server;
use crate::common::unique;

#[test]
fn refused_request_names_endpoint_and_error_code() {
    let server = Server::shared();
    let client = server.client();
    let experiment = client.get_or_create_experiment(&unique("errors")).unwrap();
    let run = client.find_or_create_run(&experiment, "k", &RunSpec::default()).unwrap();
    client.log_batch(&run, &[], &[("lr".into(), "0.1".into())], &[]).unwrap();

    let err = client.log_batch(&run, &[], &[("lr".into(), "0.2".into())], &[]).unwrap_err();
    let text = err.to_string();
    let prefix = format!("mlflow {}: runs/log-batch: INVALID_PARAMETER_VALUE: Changing param values", server.uri());
    assert!(text.starts_with(&prefix), "{text}");
    assert!(!text.contains('\n'), "{text}");
    assert!(!err.is_retryable());
    assert!(matches!(err, TrackingError::Api { status: 400, .. }), "{err:?}");

    let err = client.get_run("0123456789abcdef0123456789abcdef").unwrap_err();
    assert_eq!(err.error_code(), Some("RESOURCE_DOES_NOT_EXIST"), "{err}");
    assert!(
        err.to_string().starts_with(&format!("mlflow {}: runs/get: RESOURCE_DOES_NOT_EXIST: ", server.uri())),
        "{err}"
    );
}

#[test]
fn artifact_store_other_than_the_proxy_is_refused_clearly() {
    let server = Server::shared();
    // An experiment whose runs keep artifacts in a folder the client would have to write itself.
    let name = unique("errors-file-store");
    let location = format!("file://{}/elsewhere", server.dir().display());
    let answer = ureq::post(format!("{}/api/2.0/mlflow/experiments/create", server.uri()))
        .content_type("application/json")
        .send(serde_json::json!({ "name": name, "artifact_location": location }).to_string())
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let experiment: serde_json::Value = serde_json::from_str(&answer).unwrap();
    let client = server.client();
    let run =
        client.find_or_create_run(experiment["experiment_id"].as_str().unwrap(), "k", &RunSpec::default()).unwrap();

    let err = client.upload_artifact(&run, "a.txt", b"a").unwrap_err();
    assert!(matches!(err, TrackingError::UnsupportedArtifactStore { .. }), "{err:?}");
    assert!(err.to_string().contains(&location) && err.to_string().contains("--serve-artifacts"), "{err}");
}
