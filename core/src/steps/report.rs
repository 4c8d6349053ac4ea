//! `inference/report.html`: one self-contained page a person opens in a browser — run header
//! (experiment, run, job type, versions, data hash, the settings used), per model the training
//! curves (PNG embedded as data URIs), test metrics, the per-label table (with the training class
//! weights when the loss was weighted) and a confusion-matrix
//! heat map, and the comparison of models. No external resources, so it can be mailed or archived.

use super::compare::PairComparison;
use super::infer::ModelInference;
use super::train_outputs::ModelOutcome;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::tune::record::TrialRecord;
use crate::tune::store::load_trials;
use crate::Result;
use base64::Engine;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Builds the report of `run` from its stored files and the inference results, and stores it.
///
/// # Errors
/// Storage failures.
pub fn write_report(
    job: &Job,
    run: &RunLayout,
    results: &[ModelInference],
    pairs: &[PairComparison],
) -> Result<String> {
    let text = |key: &str| -> Result<String> {
        Ok(if job.storage.exists(key)? {
            String::from_utf8_lossy(&job.storage.get(key)?).into_owned()
        } else {
            String::new()
        })
    };
    let manifest = text(&run.manifest())?;
    let settings = text(&run.settings())?;
    let mut html = String::new();
    let title = format!("{} — run {}", job.settings.experiment.name, run.num());
    let _ = write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(html, "<h1>{}</h1>", escape(&title));
    let _ = write!(html, "<h2>Run</h2><pre class=\"box\">{}</pre>", escape(&manifest));
    let _ = write!(
        html,
        "<details><summary>Settings used</summary><pre class=\"box\">{}</pre></details>",
        escape(&settings)
    );
    for result in results {
        let _ = write!(
            html,
            "<h2>Model {}</h2><p class=\"headline\">test accuracy <b>{:.4}</b> · macro-F1 <b>{:.4}</b> · weighted-F1 <b>{:.4}</b> · {} records</p>",
            escape(&result.model),
            result.accuracy,
            result.macro_f1,
            result.weighted_f1,
            result.examples
        );
        html.push_str("<div class=\"curves\">");
        for curve in ["loss", "accuracy", "f1"] {
            let key = run.curve(&result.model, curve)?;
            if job.storage.exists(&key)? {
                let png = base64::engine::general_purpose::STANDARD.encode(job.storage.get(&key)?);
                let _ = write!(html, "<img alt=\"{curve} curve\" src=\"data:image/png;base64,{png}\">");
            }
        }
        html.push_str("</div>");
        tuning_section(&mut html, job, run, &result.model)?;
        let weights = class_weights(job, run, &result.model)?;
        per_label_table(&mut html, result, weights.as_ref());
        heat_map(&mut html, result);
    }
    if !pairs.is_empty() {
        html.push_str("<h2>Comparison</h2>");
        for pair in pairs {
            let _ = write!(
                html,
                "<h3>{a} vs {b}</h3><p>Agreement {:.1} % · {a} right, {b} wrong: {} · {a} wrong, {b} right: {} · McNemar exact p = {:.4}</p>",
                100.0 * pair.agreement,
                pair.a_right_b_wrong,
                pair.a_wrong_b_right,
                pair.mcnemar_p_value,
                a = escape(&pair.model_a),
                b = escape(&pair.model_b)
            );
            let _ = write!(
                html,
                "<table><tr><th>label</th><th>F1 {}</th><th>F1 {}</th><th>difference</th></tr>",
                escape(&pair.model_a),
                escape(&pair.model_b)
            );
            for (label, fa, fb) in &pair.per_label_f1 {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{fa:.3}</td><td>{fb:.3}</td><td>{:+.3}</td></tr>",
                    escape(label),
                    fa - fb
                );
            }
            html.push_str("</table>");
        }
    }
    html.push_str("</body></html>\n");
    job.storage.put(&run.report(), html.as_bytes())?;
    Ok(job.storage.uri(&run.report()))
}

/// For a tuning job: the tuning plot and the table of the model's trials, best first.
fn tuning_section(html: &mut String, job: &Job, run: &RunLayout, model: &str) -> Result<()> {
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

/// The model's training class weights by label name (`statistics.json`), if its loss was weighted.
fn class_weights(job: &Job, run: &RunLayout, model: &str) -> Result<Option<BTreeMap<String, f64>>> {
    let key = run.statistics(model)?;
    if !job.storage.exists(&key)? {
        return Ok(None);
    }
    let outcome: Option<ModelOutcome> = serde_json::from_slice(&job.storage.get(&key)?).ok();
    Ok(outcome.and_then(|o| Some(o.labels.into_iter().zip(o.class_weights?).collect())))
}

/// Per-label test scores, with the label's training class weight when the loss was weighted.
fn per_label_table(html: &mut String, result: &ModelInference, weights: Option<&BTreeMap<String, f64>>) {
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

/// The confusion matrix as a table whose cells are shaded by their share of the row (recall).
fn heat_map(html: &mut String, result: &ModelInference) {
    html.push_str(
        "<h3>Confusion matrix (rows: true label, columns: predicted)</h3><table class=\"heat\"><tr><th></th>",
    );
    for index in 0..result.labels.len() {
        let _ = write!(html, "<th title=\"{}\">{index}</th>", escape(&result.labels[index]));
    }
    html.push_str("</tr>");
    for (label, row) in result.labels.iter().zip(&result.confusion_matrix) {
        let total = row.iter().sum::<u64>().max(1) as f64;
        let _ = write!(html, "<tr><th class=\"row\">{}</th>", escape(label));
        for &count in row {
            let share = count as f64 / total;
            let _ = write!(html, "<td style=\"background: rgba(31, 119, 180, {share:.3})\">{count}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em;color:#222;max-width:1300px}\
pre.box{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:right}\
th.row,td:first-child{text-align:left}.curves img{width:32%;margin-right:1%}.heat td{min-width:2.2em;text-align:center}\
.headline{font-size:1.1em}img.tuning{width:48%}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_markup_out() {
        assert_eq!(escape("<a href=\"x\">&"), "&lt;a href=&quot;x&quot;&gt;&amp;");
    }
}
