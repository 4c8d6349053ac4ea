//! What a finished training leaves for one model: the best weights (`weights.safetensors`), the
//! TorchScript export verified against the eager model (`model.pt`), `input_keys.json`,
//! `metrics.jsonl`, `statistics.json` and the curves (`curves/{loss,accuracy,f1}.png`).

use super::train_hooks::ModelHooks;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::plot::{line_chart, Series};
use crate::train::batching::collate;
use crate::train::dataset::Dataset;
use crate::train::export::export_torchscript;
use crate::train::state::TrainState;
use crate::train::trainer::TrainConfig;
use crate::{Error, Result};
use mlpipe_plugin_api::Model;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// The headline of one model's training, as `statistics.json` stores it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelOutcome {
    pub model: String,
    pub objective: String,
    pub best_value: f64,
    pub best_epoch: u64,
    pub best_step: u64,
    pub epochs_run: u64,
    pub steps: u64,
    pub stopped_early: bool,
    pub samples_per_second: f64,
    pub tokens_per_second: f64,
    /// Padding tokens / all tokens processed in training.
    pub padding_ratio: f64,
    pub real_tokens: u64,
    pub padded_tokens: u64,
    pub train_seconds: f64,
    pub wall_seconds: f64,
    pub peak_rss_mib: f64,
    pub export_max_abs_diff: f64,
    pub labels: Vec<String>,
    /// Per-label weights of the training loss (`[training] class_weighting`), in `labels` order;
    /// absent when the loss is unweighted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_weights: Option<Vec<f64>>,
    pub history: Vec<crate::train::state::EpochRecord>,
    /// When this model's training started and ended (RFC 3339, milliseconds): the model's own
    /// span, which a comparison run's manifest times do not give (absent in older runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
}

/// What the loop left of one model's training, for its outputs.
pub(super) struct Trained<'a> {
    /// The loop's configuration.
    pub config: &'a TrainConfig,
    /// The final state.
    pub state: &'a TrainState,
    /// The validation split (export samples).
    pub validation: &'a Dataset,
    /// When the model's training started.
    pub started: Instant,
}

/// Loads the best weights back into `model`, exports and verifies it, and stores every output.
///
/// # Errors
/// A failed export verification, or model/storage failures.
pub(super) fn write_outputs(
    job: &Job,
    run: &RunLayout,
    model: &mut dyn Model,
    hooks: &ModelHooks<'_>,
    trained: Trained<'_>,
    labels: &[String],
) -> Result<ModelOutcome> {
    let Trained { config, state, validation, started } = trained;
    let name = &config.model_name;
    let fail = |err: &dyn std::fmt::Display| Error::ModelContract { model: name.clone(), problem: err.to_string() };
    let best = state.best.ok_or_else(|| fail(&"training ended without a single evaluation"))?;
    model.load_weights(&hooks.work.best_weights()).map_err(|err| fail(&err))?;
    model.set_train(false).map_err(|err| fail(&err))?;

    // Export samples: batch sizes and lengths the trace did not see (rows are length-sorted).
    let n = validation.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&row| std::cmp::Reverse(validation.length(row)));
    let picks: Vec<Vec<usize>> =
        [order[..n.min(2)].to_vec(), order[n / 2..(n / 2 + 5).min(n)].to_vec(), vec![order[n - 1]]]
            .into_iter()
            .filter(|rows| !rows.is_empty())
            .collect();
    let samples: Vec<_> = picks.iter().map(|rows| collate(validation, rows, config.device).inputs).collect();
    let model_pt = hooks.work.file("model.pt");
    let export =
        export_torchscript(model, &samples, &model_pt).map_err(|err| fail(&format!("export failed: {err}")))?;

    let mut files = vec![(run.model_file(name)?, model_pt), (run.weights(name)?, hooks.work.best_weights())];
    let keys_path = hooks.work.file("input_keys.json");
    let keys: Vec<&str> = validation.inputs.iter().map(|input| input.name.as_str()).collect();
    write(&keys_path, &serde_json::to_string_pretty(&keys).expect("strings serialise"))?;
    files.push((run.input_keys(name)?, keys_path));
    for (curve, title, y_label, pick) in [
        ("loss", "Loss", "mean cross-entropy", 0),
        ("accuracy", "Accuracy", "accuracy", 1),
        ("f1", "Macro-F1", "macro-F1", 2),
    ] {
        let value =
            |summary: &crate::metrics::EvaluationSummary| [summary.loss, summary.accuracy, summary.macro_f1][pick];
        let series = |label: &str, train: bool| Series {
            name: label.to_string(),
            points: state
                .history
                .iter()
                .map(|record| (record.epoch as f64, value(if train { &record.train } else { &record.validation })))
                .collect(),
        };
        let path = hooks.work.file(&format!("{curve}.png"));
        line_chart(
            &path,
            &format!("{name}: {title} per epoch"),
            "epoch",
            y_label,
            &[series("train", true), series("validation", false)],
        )
        .map_err(|err| fail(&err))?;
        files.push((run.curve(name, curve)?, path));
    }
    let seconds = state.train_seconds.max(1e-9);
    let total_tokens = state.real_tokens + state.padded_tokens;
    let outcome = ModelOutcome {
        model: name.clone(),
        objective: config.objective_name(),
        best_value: best.value,
        best_epoch: best.epoch,
        best_step: best.step,
        epochs_run: state.history.len() as u64,
        steps: state.step,
        stopped_early: state.stopped_early,
        samples_per_second: state.samples as f64 / seconds,
        tokens_per_second: state.real_tokens as f64 / seconds,
        padding_ratio: if total_tokens > 0 { state.padded_tokens as f64 / total_tokens as f64 } else { 0.0 },
        real_tokens: state.real_tokens,
        padded_tokens: state.padded_tokens,
        train_seconds: state.train_seconds,
        wall_seconds: started.elapsed().as_secs_f64(),
        peak_rss_mib: peak_rss_mib(),
        export_max_abs_diff: export.max_abs_diff,
        labels: labels.to_vec(),
        class_weights: config.class_weights.clone(),
        history: state.history.clone(),
        started: Some(rfc3339_ms(
            chrono::Utc::now() - chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default(),
        )),
        finished: Some(rfc3339_ms(chrono::Utc::now())),
    };
    let stats_path = hooks.work.file("statistics.json");
    write(&stats_path, &serde_json::to_string_pretty(&outcome).map_err(|err| fail(&err))?)?;
    hooks.metrics.flush()?;
    for (key, path) in &files {
        job.storage.put_file(key, path)?;
    }
    // Written last: its presence marks the model as finished (a resume skips it).
    job.storage.put_file(&run.statistics(name)?, &stats_path)?;
    Ok(outcome)
}

fn rfc3339_ms(time: chrono::DateTime<chrono::Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn write(path: &std::path::Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Io { path: path.to_path_buf(), source })
}

/// Peak resident memory of this process (VmHWM), in MiB; 0 where /proc is unavailable.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
