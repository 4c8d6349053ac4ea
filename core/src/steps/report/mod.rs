//! `inference/report.html`: one self-contained page (no external resources, no scripts) that opens
//! with the answer — every model's test scores and training cost, the best marked, the verdicts of
//! the comparison — then the per-label F1 of all models as one chart, and per model its curves,
//! tuning trials, per-label table, named confusion matrix, calibration and most confident errors.
//! The run manifest and the settings close the page, collapsed. Everything written from data goes
//! through [`html::escape`].

mod appendix;
mod confusion;
mod headline;
mod html;
mod model;
mod quality;
mod records;
mod svg;

use super::compare::PairComparison;
use super::infer::ModelInference;
use crate::job::Job;
use crate::layout::RunLayout;
use crate::Result;
use html::escape;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Builds the report of `run` from its stored files and the inference results, and stores it.
///
/// # Errors
/// Storage failures, or a data snapshot that is not a records file.
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
    let outcomes = results.iter().map(|r| model::outcome(job, run, &r.model)).collect::<Result<Vec<_>>>()?;
    let quoted: BTreeSet<&str> =
        results.iter().flat_map(|r| r.confident_errors.iter().map(|e| e.id.as_str())).collect();
    let texts = records::record_texts(job, &quoted)?;

    let mut html = String::new();
    let title = format!("{} — run {}", job.settings.experiment.name, run.num());
    let _ = write!(
        html,
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style></head><body><h1>{}</h1>",
        escape(&title),
        html::STYLE,
        escape(&title)
    );
    let examples = results.first().map_or(0, |r| r.examples);
    let _ = write!(
        html,
        "<p class=\"sub\">{} job · {} model{} · {examples} test records</p>",
        job.settings.job_type(),
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    headline::headline_table(&mut html, results, &outcomes);
    headline::verdicts(&mut html, pairs);
    if !results.is_empty() {
        let labels = &results[0].labels;
        let f1: Vec<(String, Vec<f64>)> = results.iter().map(|r| (r.model.clone(), f1_in_label_order(r))).collect();
        let _ = write!(html, "<h2>Per-label F1</h2><figure>{}</figure>", svg::f1_bars(labels, &f1));
    }
    for (i, (result, outcome)) in results.iter().zip(&outcomes).enumerate() {
        let _ = write!(
            html,
            "<h2 id=\"model-{i}\">Model {}</h2><p class=\"headline\">test accuracy <b>{:.4}</b> · macro-F1 <b>{:.4}</b> · weighted-F1 <b>{:.4}</b> · {} records</p>",
            escape(&result.model),
            result.accuracy,
            result.macro_f1,
            result.weighted_f1,
            result.examples
        );
        model::curves(&mut html, job, run, &result.model)?;
        model::tuning_section(&mut html, job, run, &result.model)?;
        model::per_label_table(&mut html, result, model::class_weights(outcome.as_ref()).as_ref());
        confusion::confusion_section(&mut html, result);
        quality::calibration_section(&mut html, result);
        quality::errors_section(&mut html, result, &texts);
    }
    comparison_tables(&mut html, pairs);
    appendix::appendix(&mut html, &text(&run.manifest())?, &text(&run.settings())?);
    html.push_str("</body></html>\n");
    job.storage.put(&run.report(), html.as_bytes())?;
    Ok(job.storage.uri(&run.report()))
}

/// A model's F1 per label, in label-id order (the per-label rows are sorted by F1).
fn f1_in_label_order(result: &ModelInference) -> Vec<f64> {
    result
        .labels
        .iter()
        .map(|label| result.per_label.iter().find(|row| &row.label == label).map_or(0.0, |row| row.scores.f1))
        .collect()
}

/// Per pair, the agreement and per-label F1 side by side, collapsed under the verdicts' details.
fn comparison_tables(html: &mut String, pairs: &[PairComparison]) {
    if pairs.is_empty() {
        return;
    }
    html.push_str("<h2>Comparison</h2>");
    for pair in pairs {
        let (a, b) = (escape(&pair.model_a), escape(&pair.model_b));
        let _ = write!(
            html,
            "<details><summary>{a} vs {b}: agreement {:.1} % · McNemar exact p = {:.4}</summary>\
             <p>{a} right, {b} wrong: {} · {a} wrong, {b} right: {}</p>\
             <table><tr><th>label</th><th>F1 {a}</th><th>F1 {b}</th><th>difference</th></tr>",
            100.0 * pair.agreement,
            pair.mcnemar_p_value,
            pair.a_right_b_wrong,
            pair.a_wrong_b_right
        );
        for (label, fa, fb) in &pair.per_label_f1 {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{fa:.3}</td><td>{fb:.3}</td><td>{:+.3}</td></tr>",
                escape(label),
                fa - fb
            );
        }
        html.push_str("</table></details>");
    }
}
