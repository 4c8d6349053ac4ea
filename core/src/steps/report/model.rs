//! One model's section of the report: its training curves (PNG from the run folder, embedded as
//! data URIs), its tuning trials when it was tuned, and its per-label test scores with the training
//! class weights when the loss was weighted.

use super::html::escape;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::steps::infer::ModelInference;
use crate::steps::train_outputs::ModelOutcome;
use crate::tune::record::TrialRecord;
use crate::tune::store::load_trials;
use crate::Result;
use base64::Engine;
use std::collections::BTreeMap;
use std::fmt::Write;

/// The model's training curves, side by side.
pub fn curves(html: &mut String, job: &Job, run: &RunLayout, model: &str) -> Result<()> {
    html.push_str("<div class=\"curves\">");
    for curve in ["loss", "accuracy", "f1"] {
        let key = run.curve(model, curve)?;
        if job.storage.exists(&key)? {
            let png = base64::engine::general_purpose::STANDARD.encode(job.storage.get(&key)?);
            let _ = write!(html, "<img alt=\"{curve} curve\" src=\"data:image/png;base64,{png}\">");
        }
    }
    html.push_str("</div>");
    Ok(())
}

/// For a tuning job: the tuning plot and the table of the model's trials, best first.
pub fn tuning_section(html: &mut String, job: &Job, run: &RunLayout, model: &str) -> Result<()> {
    let plot = run.tuning_plot(model)?;
    if !job.storage.exists(&plot)? {
        return Ok(());
    }
    let mut trials: Vec<TrialRecord> =
        load_trials(job, run)?.into_iter().filter(|record| record.model == model).collect();
    let maximize = trials.first().is_none_or(|r| !r.objective_metric.ends_with(":loss"));
    let key = |r: &TrialRecord| r.objective.map_or(f64::NEG_INFINITY, |v| if maximize { v } else { -v });
    trials.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.trial.cmp(&b.trial)));
    let png = base64::engine::general_purpose::STANDARD.encode(job.storage.get(&plot)?);
    let _ = write!(
        html,
        "<h3>Tuning: {} trials</h3><img class=\"tuning\" alt=\"tuning plot\" src=\"data:image/png;base64,{png}\">",
        trials.len()
    );
    let names: Vec<String> = trials.first().map(|r| r.parameters.keys().cloned().collect()).unwrap_or_default();
    html.push_str("<table><tr><th>trial</th>");
    for name in &names {
        let _ = write!(html, "<th>{}</th>", escape(name));
    }
    let metric = trials.first().map_or(String::new(), |r| r.objective_metric.clone());
    let _ = write!(html, "<th>{}</th><th>best epoch</th><th>status</th><th>seconds</th></tr>", escape(&metric));
    for trial in &trials {
        let _ = write!(html, "<tr><td>{}</td>", trial.trial);
        for name in &names {
            let _ = write!(html, "<td>{}</td>", escape(trial.parameters.get(name).map_or("", String::as_str)));
        }
        let objective = trial.objective.map_or("—".to_string(), |v| format!("{v:.4}"));
        let status = format!("{:?}", trial.status).to_lowercase();
        let epoch = trial.best_epoch.map_or("—".to_string(), |e| e.to_string());
        let _ = write!(
            html,
            "<td>{objective}</td><td>{epoch}</td><td>{status}</td><td>{:.1}</td></tr>",
            trial.duration_seconds
        );
    }
    html.push_str("</table>");
    Ok(())
}

/// The model's training record (`statistics.json`), when training left one.
pub fn outcome(job: &Job, run: &RunLayout, model: &str) -> Result<Option<ModelOutcome>> {
    let key = run.statistics(model)?;
    if !job.storage.exists(&key)? {
        return Ok(None);
    }
    Ok(serde_json::from_slice(&job.storage.get(&key)?).ok())
}

/// The training class weights by label name, if the loss was weighted.
pub fn class_weights(outcome: Option<&ModelOutcome>) -> Option<BTreeMap<String, f64>> {
    let outcome = outcome?;
    Some(outcome.labels.iter().cloned().zip(outcome.class_weights.clone()?).collect())
}

/// Per-label test scores, with the label's training class weight when the loss was weighted.
pub fn per_label_table(html: &mut String, result: &ModelInference, weights: Option<&BTreeMap<String, f64>>) {
    html.push_str("<h3>Per label (test split, best F1 first)</h3><table><tr><th>label</th><th>support</th><th>precision</th><th>recall</th><th>F1</th><th>TP</th><th>FP</th><th>FN</th>");
    if weights.is_some() {
        html.push_str("<th>class weight</th>");
    }
    html.push_str("</tr>");
    for row in &result.per_label {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&row.label),
            row.scores.support,
            row.scores.precision,
            row.scores.recall,
            row.scores.f1,
            row.scores.true_positives,
            row.scores.false_positives,
            row.scores.false_negatives
        );
        if let Some(weights) = weights {
            let weight = weights.get(&row.label).map_or("—".to_string(), |w| format!("{w:.3}"));
            let _ = write!(html, "<td>{weight}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
}
