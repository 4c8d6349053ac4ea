//! `MlflowClient` against the shared server: what it writes reads back the same.

use std::time::{SystemTime, UNIX_EPOCH};

use mlpipe_tracking::{Metric, RunSpec, RunStatus, PARENT_RUN_TAG, RUN_KEY_TAG};

use crate::common::server::Server;
use crate::common::unique;

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

#[test]
fn experiment_get_or_create_is_idempotent() {
    let client = Server::shared().client();
    let name = unique("client-experiment");
    let id = client.get_or_create_experiment(&name).unwrap();
    assert_eq!(client.get_or_create_experiment(&name).unwrap(), id);
    assert_ne!(client.get_or_create_experiment(&unique("client-other")).unwrap(), id);
}

#[test]
fn run_round_trip_tags_parent_metrics_params_artifacts_status() {
    // Pages of 1000 points, so that the 1200-point key is read in two.
    let client = Server::shared().client().with_history_page_size(1000);
    let experiment = client.get_or_create_experiment(&unique("client-run")).unwrap();
    let start = now_ms();

    let parent = client.find_or_create_run(&experiment, "sweep", &RunSpec::default()).unwrap();
    let spec = RunSpec {
        run_name: "trial 3".into(),
        tags: vec![("mlpipe.model".into(), "minilm".into())],
        parent_run_id: Some(parent.clone()),
        start_ms: start,
    };
    let run = client.find_or_create_run(&experiment, "sweep/3", &spec).unwrap();
    assert_eq!(
        client.find_or_create_run(&experiment, "sweep/3", &spec).unwrap(),
        run,
        "found by key, not created again"
    );
    let record = client.get_run(&run).unwrap();
    assert_eq!(record.run_name, "trial 3");
    assert_eq!(record.start_ms, Some(start));
    assert_eq!(record.tag(RUN_KEY_TAG), Some("sweep/3"));
    assert_eq!(record.tag(PARENT_RUN_TAG), Some(parent.as_str()));
    assert_eq!(record.tag("mlpipe.model"), Some("minilm"));

    // 2500 points over three keys: three log-batch requests.
    let metrics: Vec<Metric> = [("train/loss", 1200), ("val/loss", 800), ("lr", 500)]
        .into_iter()
        .flat_map(|(key, n)| {
            (0..n).map(move |step| Metric {
                key: key.into(),
                value: 1.0 / (step as f64 + 1.0) + 1e-9 * step as f64,
                timestamp_ms: start + step,
                step,
            })
        })
        .collect();
    assert_eq!(metrics.len(), 2500);
    let params: Vec<_> =
        (0..150).map(|i| (format!("p{i:03}"), i.to_string())).chain([("long".into(), "x".repeat(7000))]).collect();
    client.log_batch(&run, &metrics, &params, &[("stage".into(), "fit".into())]).unwrap();

    for key in ["train/loss", "val/loss", "lr"] {
        let mut history = client.metric_history(&run, key).unwrap();
        history.sort_by_key(|m| m.step);
        let sent: Vec<_> = metrics.iter().filter(|m| m.key == key).cloned().collect();
        assert_eq!(history, sent, "{key}");
    }
    let record = client.get_run(&run).unwrap();
    assert_eq!(record.params.len(), 151);
    assert_eq!(record.param("p149"), Some("149"));
    assert_eq!(record.param("long").map(str::len), Some(6000), "cut to MLflow's limit");
    assert_eq!(record.tag("stage"), Some("fit"));

    // Non-finite values: NaN reads back as NaN; MLflow stores infinity as f64::MAX.
    let odd = [f64::NAN, f64::INFINITY].map(|value| Metric { key: "odd".into(), value, timestamp_ms: start, step: 0 });
    client.log_batch(&run, &odd, &[], &[]).unwrap();
    let history = client.metric_history(&run, "odd").unwrap();
    assert_eq!(history.len(), 2);
    assert!(history.iter().any(|m| m.value.is_nan()) && history.iter().any(|m| m.value == f64::MAX));

    let png = (0..=255u8).cycle().take(70_000).collect::<Vec<_>>();
    client.upload_artifact(&run, "curves/loss curve.png", &png).unwrap();
    client.upload_artifact(&run, "report.html", b"<html></html>").unwrap();
    let mut root = client.list_artifacts(&run, "").unwrap();
    root.sort();
    assert_eq!(root, [("curves".to_string(), true, None), ("report.html".to_string(), false, Some(13))]);
    assert_eq!(
        client.list_artifacts(&run, "curves").unwrap(),
        [("curves/loss curve.png".to_string(), false, Some(70_000))]
    );
    assert!(client.list_artifacts(&run, "missing").unwrap().is_empty());
    assert_eq!(client.download_artifact(&run, "curves/loss curve.png").unwrap(), png);

    let end = start + 5_000;
    client.set_terminated(&run, RunStatus::Finished, end).unwrap();
    let record = client.get_run(&run).unwrap();
    assert_eq!((record.status.as_str(), record.end_ms), ("FINISHED", Some(end)));
}

#[test]
fn ping_answers_while_the_server_is_up() {
    Server::shared().client().ping().unwrap();
}
