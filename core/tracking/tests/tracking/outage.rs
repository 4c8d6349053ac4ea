//! The tracker while its server is down, on a server of the test's own (stopped and restarted):
//! sending never blocks, the user is warned once, `finish` gives up after its grace period, and
//! `sync_run` completes the run once the server is back, a second sync changing nothing.

use std::time::{Duration, Instant};

use mlpipe_tracking::{sync_run, BufferedTracker, Delivery, Event, Metric, RunSnapshot, RunSpec, RunStatus};

use crate::client::now_ms;
use crate::common::capture::Warnings;
use crate::common::server::Server;

#[test]
fn outage_warns_once_and_sync_completes_the_run() {
    let (warnings, _guard) = Warnings::capture();
    let mut server = Server::start();
    let hint = "runner sync settings.ini 3";
    let experiment = "outage";
    let start = now_ms();
    let spec = RunSpec { run_name: "run 3".into(), start_ms: start, ..RunSpec::default() };
    let params = vec![("lr".to_string(), "0.01".to_string())];

    // The run is created while the server is up...
    let tracker = BufferedTracker::start(server.client(), experiment, hint.into());
    tracker.send(Event::Start { key: "run-3".into(), spec: spec.clone(), params: params.clone() });
    let deadline = Instant::now() + Duration::from_secs(30);
    while tracker.pending_events() > 0 {
        assert!(Instant::now() < deadline, "Start not delivered; server log:\n{}", server.log_tail());
        std::thread::sleep(Duration::from_millis(20));
    }
    let run_id = tracker.run_id().expect("run created");

    // ...then the server goes away and training goes on.
    server.stop();
    let metrics: Vec<Metric> = (0..1000)
        .map(|step| Metric { key: "loss".into(), value: 1.0 / (step + 1) as f64, timestamp_ms: start + step, step })
        .collect();
    for m in &metrics {
        tracker.send(Event::Metrics(vec![m.clone()]));
    }
    let png = vec![42u8; 5000];
    tracker.send(Event::Artifact { path: "curves/loss.png".into(), bytes: png.clone() });
    tracker.send(Event::End { status: RunStatus::Finished, end_ms: start + 9_000 });
    let report = tracker.finish(Duration::from_secs(2));
    match report.delivery {
        Delivery::Undelivered { pending_events } => assert!(pending_events >= 2, "{pending_events}"),
        Delivery::Delivered => panic!("delivered to a stopped server"),
    }
    assert_eq!(report.run_id.as_deref(), Some(run_id.as_str()));

    // One warning for the outage: not one per retry or per event, and what finish left is said
    // at info level (the same problem, already reported).
    let messages = warnings.messages();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(messages[0].contains("unreachable or slow") && messages[0].contains(server.uri()), "{}", messages[0]);
    assert!(messages[0].contains(hint), "{}", messages[0]);

    // The server is back: the run folder's complete description brings MLflow up to date.
    server.restart_on_same_port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("loss.png"), &png).unwrap();
    let snapshot = RunSnapshot {
        key: "run-3".into(),
        spec,
        params,
        metrics,
        artifacts: vec![("curves/loss.png".into(), dir.path().join("loss.png"))],
        status: Some((RunStatus::Finished, start + 9_000)),
    };
    let client = server.client();
    let first = sync_run(&client, experiment, &snapshot).unwrap();
    assert_eq!(first.run_id, run_id, "the tracker's run, found by its key");
    assert_eq!((first.metrics_sent, first.metrics_skipped), (1000, 0));
    assert_eq!((first.params_sent, first.params_skipped), (0, 1), "logged by the tracker before the outage");
    assert_eq!((first.artifacts_sent, first.status_set), (1, true));
    assert_eq!(client.metric_history(&run_id, "loss").unwrap().len(), 1000);
    assert_eq!(client.download_artifact(&run_id, "curves/loss.png").unwrap(), png);
    let record = client.get_run(&run_id).unwrap();
    assert_eq!((record.status.as_str(), record.end_ms), ("FINISHED", Some(start + 9_000)));

    let second = sync_run(&client, experiment, &snapshot).unwrap();
    assert_eq!(second.sent(), 0, "{second:?}");
    assert_eq!((second.metrics_skipped, second.artifacts_skipped), (1000, 1));
    assert_eq!(client.metric_history(&run_id, "loss").unwrap().len(), 1000, "no duplicates");
}
