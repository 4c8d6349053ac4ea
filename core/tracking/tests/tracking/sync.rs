//! `sync_run` against the shared server: from nothing, over a run logged in part, and always a
//! second time to show it sends nothing more.

use std::path::Path;

use mlpipe_tracking::{sync_run, Metric, MlflowClient, RunSnapshot, RunSpec, RunStatus};

use crate::client::now_ms;
use crate::common::server::Server;
use crate::common::unique;

/// A finished run: 3 params, 2 × 300 points (NaN and infinity among them, which MLflow stores
/// its own way), two artifacts written under `dir`.
fn snapshot(key: &str, dir: &Path) -> RunSnapshot {
    let start = now_ms();
    let mut metrics: Vec<Metric> = (0..300)
        .flat_map(|step| {
            [("train/loss", 1.0 / (step + 1) as f64), ("val/acc", step as f64 / 300.0)].map(|(key, value)| Metric {
                key: key.into(),
                value,
                timestamp_ms: start + step,
                step,
            })
        })
        .collect();
    metrics[10].value = f64::NAN;
    metrics[11].value = f64::INFINITY;
    std::fs::create_dir_all(dir.join("curves")).unwrap();
    std::fs::write(dir.join("curves/loss.png"), vec![1u8; 3000]).unwrap();
    std::fs::write(dir.join("report.html"), "<html>report</html>").unwrap();
    RunSnapshot {
        key: key.into(),
        spec: RunSpec {
            run_name: key.into(),
            tags: vec![("mlpipe.model".into(), "mlp".into())],
            parent_run_id: None,
            start_ms: start,
        },
        params: [("lr", "0.1"), ("batch_size", "32"), ("epochs", "3")].map(|(k, v)| (k.into(), v.into())).to_vec(),
        metrics,
        artifacts: vec![
            ("curves/loss.png".into(), dir.join("curves/loss.png")),
            ("report.html".into(), dir.join("report.html")),
        ],
        status: Some((RunStatus::Finished, start + 1_000)),
    }
}

fn history_lengths(client: &MlflowClient, run_id: &str) -> (usize, usize) {
    (
        client.metric_history(run_id, "train/loss").unwrap().len(),
        client.metric_history(run_id, "val/acc").unwrap().len(),
    )
}

#[test]
fn sync_from_scratch_sends_everything_then_nothing() {
    let client = Server::shared().client();
    let experiment = unique("sync-scratch");
    let dir = tempfile::tempdir().unwrap();
    let run = snapshot("scratch", dir.path());

    let first = sync_run(&client, &experiment, &run).unwrap();
    assert_eq!((first.metrics_sent, first.params_sent, first.artifacts_sent), (600, 3, 2));
    assert_eq!(first.tags_sent, 0, "set when the run was created");
    assert!(first.status_set);
    assert_eq!(history_lengths(&client, &first.run_id), (300, 300));
    let record = client.get_run(&first.run_id).unwrap();
    assert_eq!((record.status.as_str(), record.tag("mlpipe.model")), ("FINISHED", Some("mlp")));

    let second = sync_run(&client, &experiment, &run).unwrap();
    assert_eq!(second.run_id, first.run_id);
    assert_eq!(second.sent(), 0, "{second:?}");
    assert_eq!((second.metrics_skipped, second.params_skipped, second.artifacts_skipped), (600, 3, 2));
    assert_eq!(history_lengths(&client, &first.run_id), (300, 300));
}

#[test]
fn sync_completes_a_partially_logged_run() {
    let client = Server::shared().client();
    let experiment = unique("sync-partial");
    let dir = tempfile::tempdir().unwrap();
    let run = snapshot("partial", dir.path());

    // What a tracker cut off mid-run would have left: the run, some params (one with a value the
    // folder no longer has), the first 250 points, a truncated upload of one artifact.
    let experiment_id = client.get_or_create_experiment(&experiment).unwrap();
    let run_id = client.find_or_create_run(&experiment_id, &run.key, &run.spec).unwrap();
    let params = [("lr", "0.1"), ("epochs", "5")].map(|(k, v)| (k.to_string(), v.to_string()));
    client.log_batch(&run_id, &run.metrics[..250], &params, &[]).unwrap();
    client.upload_artifact(&run_id, "curves/loss.png", &[1u8; 100]).unwrap();

    let first = sync_run(&client, &experiment, &run).unwrap();
    assert_eq!(first.run_id, run_id);
    assert_eq!((first.metrics_sent, first.metrics_skipped), (350, 250));
    assert_eq!((first.params_sent, first.params_skipped, first.params_conflicting), (1, 1, 1));
    assert_eq!((first.artifacts_sent, first.artifacts_skipped), (2, 0), "one missing, one of another size");
    assert!(first.status_set);
    assert_eq!(history_lengths(&client, &run_id), (300, 300));
    assert_eq!(client.download_artifact(&run_id, "curves/loss.png").unwrap(), vec![1u8; 3000]);
    assert_eq!(client.get_run(&run_id).unwrap().param("epochs"), Some("5"), "MLflow keeps a param's first value");

    let second = sync_run(&client, &experiment, &run).unwrap();
    assert_eq!(second.sent(), 0, "{second:?}");
    assert_eq!(history_lengths(&client, &run_id), (300, 300));
}
