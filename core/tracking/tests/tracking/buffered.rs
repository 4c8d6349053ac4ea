//! `BufferedTracker` against the shared, healthy server: every event lands, in order, and nothing
//! is warned about.

use std::time::Duration;

use mlpipe_tracking::{BufferedTracker, Delivery, Event, Metric, RunSpec, RunStatus};

use crate::client::now_ms;
use crate::common::capture::Warnings;
use crate::common::server::Server;
use crate::common::unique;

#[test]
fn tracker_delivers_every_event_of_a_run() {
    let (warnings, _guard) = Warnings::capture();
    let server = Server::shared();
    let experiment = unique("buffered");
    let tracker = BufferedTracker::start(server.client(), &experiment, "runner sync settings.ini 1".into());
    let start = now_ms();
    let spec = RunSpec { run_name: "run 1".into(), start_ms: start, ..RunSpec::default() };
    let params = vec![("lr".to_string(), "0.001".to_string()), ("epochs".to_string(), "3".to_string())];
    tracker.send(Event::Start { key: "run-1".into(), spec, params });
    // 30 events of 50 points each, as a training loop logging every few steps would send them.
    for chunk in 0..30u64 {
        let points = (chunk * 50..(chunk + 1) * 50)
            .flat_map(|step| {
                [("loss", 2.0 / (step + 1) as f64), ("acc", step as f64 / 1500.0)].map(|(key, value)| Metric {
                    key: key.into(),
                    value,
                    timestamp_ms: start + step,
                    step,
                })
            })
            .collect();
        tracker.send(Event::Metrics(points));
    }
    tracker.send(Event::Artifact { path: "curves/loss.png".into(), bytes: vec![7; 1234] });
    tracker.send(Event::End { status: RunStatus::Finished, end_ms: start + 60_000 });

    let report = tracker.finish(Duration::from_secs(60));
    assert_eq!(report.delivery, Delivery::Delivered);
    assert_eq!(report.rejected_events, 0);
    let run = report.run_id.expect("run id known");

    let client = server.client();
    for key in ["loss", "acc"] {
        let history = client.metric_history(&run, key).unwrap();
        assert_eq!(history.len(), 1500, "{key}");
        let mut steps: Vec<_> = history.iter().map(|m| m.step).collect();
        steps.sort_unstable();
        assert_eq!(steps, (0..1500).collect::<Vec<_>>(), "{key}: every step once");
    }
    let record = client.get_run(&run).unwrap();
    assert_eq!((record.param("lr"), record.param("epochs")), (Some("0.001"), Some("3")));
    assert_eq!((record.status.as_str(), record.end_ms), ("FINISHED", Some(start + 60_000)));
    assert_eq!(client.download_artifact(&run, "curves/loss.png").unwrap(), vec![7; 1234]);
    assert_eq!(warnings.messages(), Vec::<String>::new());
}
