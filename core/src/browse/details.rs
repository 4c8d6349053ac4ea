//! [`render_details`]: one run as plain text — a header line, the manifest's fields, a block per
//! model and the run's files — for `runner show`. Labels are padded to one column; a value not
//! known yet is `-`, and a file not there yet is marked `(missing)`.

use super::show::{Artifact, ModelDetails, RunDetails};
use super::time::{elapsed, utc_seconds};
use crate::layout::MODEL_FILE;
use std::fmt::Write;

/// The run's details, ready to print. Warnings are not included: print
/// [`RunDetails::warnings`] separately (the runner sends them to stderr).
pub fn render_details(run: &RunDetails) -> String {
    let mut out = format!("run {} of {}: {}\n", run.num, run.experiment, run.status);
    field(&mut out, "folder", &run.uri);
    // Once the manifest is there its start time says the same as the claim.
    if let (None, Some(claimed)) = (&run.manifest, &run.claimed) {
        field(&mut out, "claimed", &utc_seconds(claimed));
    }
    if let Some(m) = &run.manifest {
        field(&mut out, "job type", or_dash(&m.job_type));
        field(&mut out, "started", &if m.started.is_empty() { "-".into() } else { utc_seconds(&m.started) });
        let finished = match &m.finished {
            None => "-".to_string(),
            Some(end) => match elapsed(&m.started, end) {
                Some(took) => format!("{} (after {took})", utc_seconds(end)),
                None => utc_seconds(end),
            },
        };
        field(&mut out, "finished", &finished);
        field(&mut out, "mlpipe", or_dash(&m.mlpipe_version));
        field(&mut out, "torch", or_dash(&m.torch));
        field(&mut out, "plugin", or_dash(&m.plugin_file));
        field(&mut out, "plugin sha256", or_dash(&m.plugin_sha256));
        field(&mut out, "records sha256", or_dash(&m.data_records_sha256));
        field(&mut out, "prepared sha256", or_dash(&m.prepared_inputs_sha256));
        let world = match (m.world_size, m.dist_backend.as_str()) {
            (None, _) => "-".to_string(),
            (Some(size), "") => size.to_string(),
            (Some(size), backend) => format!("{size} ({backend})"),
        };
        field(&mut out, "world size", &world);
    }
    for model in &run.models {
        render_model(&mut out, model);
    }
    out += "files\n";
    artifact(&mut out, "report", &run.report);
    artifact(&mut out, "settings", &run.settings);
    out
}

fn render_model(out: &mut String, model: &ModelDetails) {
    let _ = writeln!(out, "model {}", model.name);
    let r = &model.result;
    let best = match (&r.objective, r.best_value) {
        (Some(objective), Some(value)) => {
            let epoch = r.best_epoch.map(|epoch| format!(" at epoch {epoch}")).unwrap_or_default();
            format!("{objective} = {value:.4}{epoch}")
        }
        (Some(objective), None) => format!("{objective} = -"),
        _ => "-".to_string(),
    };
    field(out, "best", &best);
    field(out, "train time", &r.train_seconds.map_or_else(|| "-".to_string(), |s| format!("{s:.1} s")));
    let test = model.test.map_or_else(
        || "-".to_string(),
        |t| format!("accuracy {:.4}, macro-F1 {:.4}, weighted-F1 {:.4}", t.accuracy, t.macro_f1, t.weighted_f1),
    );
    field(out, "test", &test);
    if let Some(tuning) = &model.tuning {
        let best = match &tuning.best {
            None => "no best trial yet".to_string(),
            Some(best) => {
                let params: Vec<String> = best.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
                let objective = best.objective.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
                format!("best trial {} (objective {objective}): {}", best.trial, params.join(", "))
            }
        };
        field(out, "tuning", &format!("{} trials; {best}", tuning.trials));
    }
    artifact(out, MODEL_FILE, &model.model_file);
    artifact(out, "weights", &model.weights);
}

fn field(out: &mut String, label: &str, value: &str) {
    let _ = writeln!(out, "  {label:<17}{value}");
}

fn artifact(out: &mut String, label: &str, file: &Artifact) {
    let missing = if file.exists { "" } else { " (missing)" };
    field(out, label, &format!("{}{missing}", file.uri));
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() {
        "-"
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browse::test_runs::{finished_manifest, job, put};
    use crate::browse::{show_run, BestTrial, TuningOutcome};

    #[test]
    fn a_finished_run_prints_every_field_and_marks_missing_files() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", &finished_manifest(1, "training", &[("bert", 0.8125)]));
        put(&job, "demo/runs/1/settings.ini", "[experiment]\n");
        put(
            &job,
            "demo/runs/1/inference/bert/summary.json",
            r#"{"accuracy": 0.7, "macro_f1": 0.6, "weighted_f1": 0.65}"#,
        );
        let text = render_details(&show_run(&job, 1).unwrap());
        let expected = "\
run 1 of demo: finished
  folder           memory://demo/runs/1/
  job type         training
  started          2026-11-26 14:48:17 UTC
  finished         2026-11-26 15:28:26 UTC (after 40m 9s)
  mlpipe           0.1.0
  torch            tch 0.24.0 / libtorch 2.11.0
  plugin           libdemo.so
  plugin sha256    aa11
  records sha256   bb22
  prepared sha256  cc33
  world size       1
model bert
  best             validation:macro_f1 = 0.8125 at epoch 2
  train time       72.0 s
  test             accuracy 0.7000, macro-F1 0.6000, weighted-F1 0.6500
  model.pt         memory://demo/runs/1/training/bert/model.pt (missing)
  weights          memory://demo/runs/1/training/bert/weights.safetensors (missing)
files
  report           memory://demo/runs/1/inference/report.html (missing)
  settings         memory://demo/runs/1/settings.ini
";
        assert_eq!(text, expected);
    }

    #[test]
    fn a_tuned_model_prints_its_trials_and_best_parameters() {
        let job = job();
        put(&job, "demo/runs/1/manifest.toml", &finished_manifest(1, "tuning", &[("bert", 0.8125)]));
        let mut details = show_run(&job, 1).unwrap();
        details.models[0].tuning = Some(TuningOutcome {
            trials: 4,
            best: Some(BestTrial {
                trial: 2,
                parameters: [("epochs", "3"), ("learning_rate", "0.01")]
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .into(),
                objective: Some(0.8125),
            }),
        });
        let text = render_details(&details);
        assert!(
            text.contains(
                "\n  tuning           4 trials; best trial 2 (objective 0.8125): epochs=3, learning_rate=0.01\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_allocating_run_prints_its_claim_and_no_models() {
        let job = job();
        put(&job, "demo/runs/3/claim.toml", "pid = 1\ncreated = \"2026-11-27T08:00:00Z\"\n");
        let text = render_details(&show_run(&job, 3).unwrap());
        assert!(text.starts_with("run 3 of demo: allocating\n  folder           memory://demo/runs/3/\n"), "{text}");
        assert!(text.contains("  claimed          2026-11-27 08:00:00 UTC\n"), "{text}");
        assert!(!text.contains("model "), "{text}");
    }
}
