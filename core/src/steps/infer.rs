//! Step `infer`: evaluates each model's exported `model.pt` — the artifact that would ship, not the
//! in-memory model — on the held-out test split, in length-sorted batches with dynamic padding,
//! and writes per model `inference/<model>/{summary.json, per_label.csv, predictions.parquet}`;
//! the summary adds the calibration and the most confident errors.
//! `--run <n>` re-evaluates an earlier run; its training outputs are only read. With
//! `[experiment] ensemble = true` a comparison job's models are also evaluated together, as model
//! `ensemble` (the mean of their probabilities).

use super::compare::compare;
use super::confident_errors::{most_confident_errors, ConfidentError};
use super::infer_ensemble::ensemble;
use super::infer_forward::{forward_model, Forward};
use super::report::write_report;
use super::snapshot::require_manifest;
use crate::data::{parse_id2label, PreparedManifest};
use crate::job::Job;
use crate::layout::{list_runs, RunLayout};
use crate::metrics::{Calibration, CalibrationBin, ConfusionMatrix, LabelMetrics, Metrics};
use crate::{Error, Result};
use arrow::array::{ArrayRef, Float32Array, Int64Array, ListArray, RecordBatch, StringArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Schema};
use serde::Serialize;
use std::sync::Arc;

/// One model's test-split result.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInference {
    /// The model name (`ensemble` for a comparison job's ensemble).
    pub model: String,
    /// The run evaluated.
    pub run: u64,
    /// The split evaluated (`test`).
    pub split: String,
    /// Records evaluated.
    pub examples: u64,
    /// Share of records predicted right.
    pub accuracy: f64,
    /// F1 averaged over labels with equal weight.
    pub macro_f1: f64,
    /// F1 averaged over labels weighted by their support.
    pub weighted_f1: f64,
    /// Records per second of forward passes.
    pub docs_per_second: f64,
    /// Arithmetic of the forward passes: the model's `training.mixed_precision` (`no` is float32).
    pub precision: String,
    /// The label names in id order.
    pub labels: Vec<String>,
    /// Rows true label, columns predicted (`sklearn.metrics.confusion_matrix`).
    pub confusion_matrix: Vec<Vec<u64>>,
    /// Per label: its scores, best F1 first.
    pub per_label: Vec<LabelRow>,
    /// Bytes of the exported `model.pt`.
    pub model_bytes: u64,
    /// `sum_b n_b / N * |accuracy_b - confidence_b|` over `calibration_bins` ([`Calibration`]).
    pub expected_calibration_error: f64,
    /// The reliability diagram: `[report] calibration_bins` equal-width bins of the top-class
    /// probability.
    pub calibration_bins: Vec<CalibrationBin>,
    /// The `[report] confident_errors` wrong predictions made with the highest probability.
    pub confident_errors: Vec<ConfidentError>,
    /// Predicted class per test record (in the prepared file's order); not serialised.
    #[serde(skip)]
    pub predicted: Vec<usize>,
    /// True class per test record.
    #[serde(skip)]
    pub truth: Vec<usize>,
}

/// One row of `per_label.csv` (sorted by F1, best first): a label's name and its scores.
#[derive(Debug, Clone, Serialize)]
pub struct LabelRow {
    /// The label name.
    pub label: String,
    /// Its precision, recall, F1 and support.
    #[serde(flatten)]
    pub scores: LabelMetrics,
}

/// Runs the step on run `run`, or on the newest run when `None`.
///
/// # Errors
/// No run, a model without `model.pt`, no test split, or storage and libtorch failures.
pub fn infer(job: &Job, run: Option<u64>) -> Result<Vec<ModelInference>> {
    let num = match run {
        Some(num) => num,
        None => *list_runs(job.storage.as_ref(), &job.layout)?
            .last()
            .ok_or_else(|| Error::MissingInput { uri: job.storage.uri(&job.layout.runs_prefix()), step: "train" })?,
    };
    let run = job.layout.run(num);
    let prepared: PreparedManifest = require_manifest(job, &job.layout.prepared_manifest(), "prepare")?;
    let labels_key = job.layout.id2label();
    let labels =
        parse_id2label(&String::from_utf8_lossy(&job.storage.get(&labels_key)?), &job.storage.uri(&labels_key))?;
    let scratch = crate::scratch::scratch(&format!("mlpipe-infer-run{num}"))?;
    let work = scratch.path();
    let mut results = Vec::new();
    let mut forwards = Vec::new();
    for model in &job.settings.experiment.model_names {
        let forward = forward_model(job, &run, &prepared, &labels, model, work)?;
        let result = score(job, &run, &labels, model, &forward)?;
        print_result(job, &run, &result)?;
        results.push(result);
        forwards.push(forward);
    }
    if job.settings.experiment.ensemble {
        let result = ensemble(job, &run, &labels, &forwards)?;
        print_result(job, &run, &result)?;
        results.push(result);
    }
    drop(scratch);
    let pairs = if results.len() > 1 { compare(&results) } else { Vec::new() };
    if !pairs.is_empty() {
        for pair in &pairs {
            println!(
                "infer: {} vs {}: agree on {:.1} % of records; {} right only {}, {} right only {}; McNemar p = {:.4}",
                pair.model_a,
                pair.model_b,
                100.0 * pair.agreement,
                pair.model_a,
                pair.a_right_b_wrong,
                pair.model_b,
                pair.a_wrong_b_right,
                pair.mcnemar_p_value
            );
        }
        let text = serde_json::to_string_pretty(&pairs).map_err(|err| Error::Internal { what: err.to_string() })?;
        job.storage.put(&run.comparison(), text.as_bytes())?;
    }
    let report = write_report(job, &run, &results, &pairs)?;
    println!("infer: report {report}");
    crate::track::sync::after_step(job, &run);
    Ok(results)
}

fn print_result(job: &Job, run: &RunLayout, result: &ModelInference) -> Result<()> {
    println!(
        "infer: {} on {} test records: accuracy {:.4}, macro-F1 {:.4}, weighted-F1 {:.4}, ECE {:.4} ({:.0} docs/s) → {}",
        result.model,
        result.examples,
        result.accuracy,
        result.macro_f1,
        result.weighted_f1,
        result.expected_calibration_error,
        result.docs_per_second,
        job.storage.uri(&run.inference_dir(&result.model)?)
    );
    Ok(())
}

/// Scores `forward` and stores `inference/<model>/{summary.json, per_label.csv,
/// predictions.parquet}`.
pub(super) fn score(
    job: &Job,
    run: &RunLayout,
    labels: &[String],
    model: &str,
    forward: &Forward,
) -> Result<ModelInference> {
    let num_labels = labels.len();
    let Forward { ids, predicted, probabilities, .. } = forward;
    let predicted = predicted.clone();
    let truth: Vec<usize> = forward.truth.iter().map(|&label| label as usize).collect();
    let confidence: Vec<f32> = (0..ids.len()).map(|row| probabilities[row * num_labels + predicted[row]]).collect();
    let correct: Vec<bool> = truth.iter().zip(&predicted).map(|(t, p)| t == p).collect();
    let report = &job.settings.report;
    let calibration = Calibration::from_predictions(&confidence, &correct, report.calibration_bins);
    let confident_errors = most_confident_errors(ids, &truth, &predicted, &confidence, labels, report.confident_errors);
    let confusion = ConfusionMatrix::from_predictions(&truth, &predicted, num_labels)
        .map_err(|err| Error::Internal { what: err.to_string() })?;
    let metrics = Metrics::from_confusion(&confusion);
    let mut per_label: Vec<LabelRow> = metrics
        .per_label
        .iter()
        .zip(labels)
        .map(|(scores, label)| LabelRow { label: label.clone(), scores: scores.clone() })
        .collect();
    per_label.sort_by(|a, b| b.scores.f1.total_cmp(&a.scores.f1).then_with(|| a.label.cmp(&b.label)));
    let result = ModelInference {
        model: model.to_string(),
        run: run.num(),
        split: "test".into(),
        examples: metrics.examples,
        accuracy: metrics.accuracy,
        macro_f1: metrics.macro_f1,
        weighted_f1: metrics.weighted_f1,
        docs_per_second: ids.len() as f64 / forward.seconds.max(1e-9),
        precision: forward.precision.clone(),
        labels: labels.to_vec(),
        confusion_matrix: confusion.counts().to_vec(),
        per_label,
        model_bytes: forward.model_bytes,
        expected_calibration_error: calibration.expected_calibration_error,
        calibration_bins: calibration.bins,
        confident_errors,
        predicted,
        truth,
    };
    let summary = serde_json::to_string_pretty(&result).map_err(|err| Error::Internal { what: err.to_string() })?;
    let predictions_key = run.predictions(model)?;
    let predictions = predictions_parquet(forward, labels, &result.predicted, &job.storage.uri(&predictions_key))?;
    job.storage.put(&run.per_label(model)?, per_label_csv(&result.per_label).as_bytes())?;
    job.storage.put(&predictions_key, &predictions)?;
    job.storage.put(&run.summary(model)?, summary.as_bytes())?;
    Ok(result)
}

fn per_label_csv(rows: &[LabelRow]) -> String {
    let mut out =
        String::from("label,support,true_positives,false_positives,false_negatives,precision,recall,f1,accuracy\n");
    for row in rows {
        let label = if row.label.contains([',', '"', '\n']) {
            format!("\"{}\"", row.label.replace('"', "\"\""))
        } else {
            row.label.clone()
        };
        let r = &row.scores;
        out.push_str(&format!(
            "{label},{},{},{},{},{},{},{},{}\n",
            r.support, r.true_positives, r.false_positives, r.false_negatives, r.precision, r.recall, r.f1, r.accuracy
        ));
    }
    out
}

fn predictions_parquet(forward: &Forward, labels: &[String], predicted: &[usize], uri: &str) -> Result<Vec<u8>> {
    let n = labels.len();
    let item = Arc::new(Field::new("item", DataType::Float32, false));
    let probs = ListArray::new(
        item,
        OffsetBuffer::from_lengths(vec![n; forward.ids.len()]),
        Arc::new(Float32Array::from(forward.probabilities.clone())),
        None,
    );
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(StringArray::from(forward.ids.clone()))),
        ("label", Arc::new(Int64Array::from(forward.truth.clone()))),
        (
            "label_name",
            Arc::new(StringArray::from_iter_values(forward.truth.iter().map(|&l| labels[l as usize].as_str()))),
        ),
        ("predicted", Arc::new(Int64Array::from_iter_values(predicted.iter().map(|&p| p as i64)))),
        ("predicted_name", Arc::new(StringArray::from_iter_values(predicted.iter().map(|&p| labels[p].as_str())))),
        ("probabilities", Arc::new(probs)),
    ];
    let schema = Schema::new(
        columns.iter().map(|(name, array)| Field::new(*name, array.data_type().clone(), false)).collect::<Vec<_>>(),
    );
    let batch = RecordBatch::try_new(Arc::new(schema), columns.into_iter().map(|(_, array)| array).collect())
        .map_err(|err| Error::data_file(uri, err))?;
    crate::data::encode_parquet(&batch, uri)
}
