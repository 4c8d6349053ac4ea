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
use crate::train::state::{Best, TrainState};
use crate::train::trainer::TrainConfig;
use crate::{Error, Result};
use mlpipe_plugin_api::Model;
use std::time::Instant;

pub use crate::train::outcome::ModelOutcome;

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
    let Trained { config, state, validation, .. } = trained;
    let name = &config.model_name;
    let fail = |err: &dyn std::fmt::Display| Error::ModelContract { model: name.clone(), problem: err.to_string() };
    let best = state.best.ok_or_else(|| fail(&"training ended without a single evaluation"))?;
    model.load_weights(&hooks.work.best_weights()).map_err(|err| fail(&err))?;
    model.set_train(false).map_err(|err| fail(&err))?;
    let model_pt = hooks.work.staged(&run.model_file(name)?);
    let export = export_model(model, validation, config, &model_pt)?;

    let mut files = vec![(run.model_file(name)?, model_pt), (run.weights(name)?, hooks.work.best_weights())];
    let keys_path = hooks.work.staged(&run.input_keys(name)?);
    let keys: Vec<&str> = validation.inputs.iter().map(|input| input.name.as_str()).collect();
    write(&keys_path, &serde_json::to_string_pretty(&keys).expect("strings serialise"))?;
    files.push((run.input_keys(name)?, keys_path));
    files.extend(draw_curves(run, hooks, name, state)?);
    let outcome = outcome(&trained, best, export.max_abs_diff, labels);
    let stats_path = hooks.work.staged(&run.statistics(name)?);
    write(&stats_path, &serde_json::to_string_pretty(&outcome).map_err(|err| fail(&err))?)?;
    hooks.metrics.flush()?;
    for (key, path) in &files {
        job.storage.put_file(key, path)?;
    }
    // Written last: its presence marks the model as finished (a resume skips it).
    job.storage.put_file(&run.statistics(name)?, &stats_path)?;
    Ok(outcome)
}

/// Exports `model` to TorchScript at `path`, verified on validation batches of sizes and lengths
/// the trace did not see (rows are length-sorted).
fn export_model(
    model: &mut dyn Model,
    validation: &Dataset,
    config: &TrainConfig,
    path: &std::path::Path,
) -> Result<crate::train::export::ExportReport> {
    let n = validation.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&row| std::cmp::Reverse(validation.length(row)));
    let picks: Vec<Vec<usize>> =
        [order[..n.min(2)].to_vec(), order[n / 2..(n / 2 + 5).min(n)].to_vec(), vec![order[n - 1]]]
            .into_iter()
            .filter(|rows| !rows.is_empty())
            .collect();
    let samples: Vec<_> = picks.iter().map(|rows| collate(validation, rows, config.device).inputs).collect();
    export_torchscript(model, &samples, path).map_err(|err| Error::ModelContract {
        model: config.model_name.clone(),
        problem: format!("export failed: {err}"),
    })
}

/// Draws the loss, accuracy and F1 curves per epoch; returns each curve's key and local file.
fn draw_curves(
    run: &RunLayout,
    hooks: &ModelHooks<'_>,
    name: &str,
    state: &TrainState,
) -> Result<Vec<(String, std::path::PathBuf)>> {
    let mut files = Vec::new();
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
        let path = hooks.work.staged(&run.curve(name, curve)?);
        line_chart(
            &path,
            &format!("{name}: {title} per epoch"),
            "epoch",
            y_label,
            &[series("train", true), series("validation", false)],
        )
        .map_err(|err| Error::ModelContract { model: name.to_string(), problem: err.to_string() })?;
        files.push((run.curve(name, curve)?, path));
    }
    Ok(files)
}

/// The headline `statistics.json` stores.
fn outcome(trained: &Trained<'_>, best: Best, export_max_abs_diff: f64, labels: &[String]) -> ModelOutcome {
    let Trained { config, state, started, .. } = *trained;
    let seconds = state.train_seconds.max(1e-9);
    let total_tokens = state.real_tokens + state.padded_tokens;
    ModelOutcome {
        model: config.model_name.clone(),
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
        export_max_abs_diff,
        labels: labels.to_vec(),
        class_weights: config.class_weights.clone(),
        history: state.history.clone(),
        started: Some(rfc3339_ms(
            chrono::Utc::now() - chrono::TimeDelta::from_std(started.elapsed()).unwrap_or_default(),
        )),
        finished: Some(rfc3339_ms(chrono::Utc::now())),
    }
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
