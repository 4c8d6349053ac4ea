//! Step `infer`: evaluates each model's exported `model.pt` — the artifact that would ship, not the
//! in-memory model — on the held-out test split, in length-sorted batches with dynamic padding,
//! and writes per model `inference/<model>/{summary.json, per_label.csv, predictions.parquet}`;
//! the summary adds the calibration and the most confident errors.
//! `--run <n>` re-evaluates an earlier run; its training outputs are only read. With
//! `[experiment] ensemble = true` a comparison job's models are also evaluated together, as model
//! `ensemble` (the mean of their probabilities).

use super::compare::compare;
use super::confident_errors::{most_confident_errors, ConfidentError};
use super::report::write_report;
use super::snapshot::require_manifest;
use crate::data::{parse_id2label, PreparedManifest};
use crate::job::Job;
use crate::layout::{list_runs, RunLayout, INPUT_KEYS_FILE, MODEL_FILE};
use crate::metrics::{Calibration, CalibrationBin, ConfusionMatrix, LabelMetrics, Metrics};
use crate::settings::{Device as DeviceSetting, ENSEMBLE};
use crate::train::autocast::autocast;
use crate::train::batching::{collate, eval_batches};
use crate::train::dataset::Dataset;
use crate::{Error, Result};
use arrow::array::{ArrayRef, Float32Array, Int64Array, ListArray, RecordBatch, StringArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Schema};
use mlpipe_plugin_api::tch::{self, CModule, Device, Kind};
use serde::Serialize;
use std::sync::Arc;
use std::time::Instant;

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

/// One model's test-split forward passes: each record's class probabilities and prediction.
struct Forward {
    model: String,
    ids: Vec<String>,
    truth: Vec<i64>,
    /// Row-major, `ids.len()` × number of labels.
    probabilities: Vec<f32>,
    predicted: Vec<usize>,
    seconds: f64,
    model_bytes: u64,
    precision: String,
}

fn forward_model(
    job: &Job,
    run: &RunLayout,
    prepared: &PreparedManifest,
    labels: &[String],
    model: &str,
    work: &std::path::Path,
) -> Result<Forward> {
    let fail = |problem: String| Error::ModelContract { model: model.to_string(), problem };
    let model_key = run.model_file(model)?;
    if !job.storage.exists(&model_key)? {
        return Err(Error::MissingInput { uri: job.storage.uri(&model_key), step: "train" });
    }
    let keys_key = run.input_keys(model)?;
    let keys: Vec<String> = serde_json::from_slice(&job.storage.get(&keys_key)?)
        .map_err(|err| Error::data_file(job.storage.uri(&keys_key), err))?;
    let entry =
        prepared.models.iter().find(|m| m.name == model).ok_or_else(|| fail("not in the prepared data".into()))?;
    let inputs: Vec<(String, String)> = keys
        .iter()
        .map(|key| {
            entry.columns.get(key).map(|column| (key.clone(), column.clone())).ok_or_else(|| {
                fail(format!("input key {key:?} of {INPUT_KEYS_FILE} is missing from the prepared data"))
            })
        })
        .collect::<Result<_>>()?;
    let test_key = job.layout.prepared("test")?;
    if !job.storage.exists(&test_key)? {
        return Err(fail(format!("no test split ({} missing)", job.storage.uri(&test_key))));
    }
    let test = Dataset::from_parquet(job.storage.get(&test_key)?, &job.storage.uri(&test_key), &inputs)?;
    let device = inference_device(job)?;
    let local = work.join(model).join(MODEL_FILE);
    job.storage.get_file(&model_key, &local)?;
    let model_bytes = std::fs::metadata(&local).map_err(|source| Error::Io { path: local.clone(), source })?.len();
    let module = CModule::load_on_device(&local, device).map_err(|err| fail(format!("loading {MODEL_FILE}: {err}")))?;

    // The model runs in the precision it was trained in (bf16 autocast uses AMX on CPUs that have it).
    let precision = job.settings.training_for(model).mixed_precision;
    let started = Instant::now();
    let num_labels = labels.len();
    let mut probabilities = vec![0f32; test.len() * num_labels];
    let mut predicted = vec![0usize; test.len()];
    tch::no_grad(|| -> Result<()> {
        for rows in eval_batches(&test.lengths(), 64) {
            let batch = collate(&test, &rows, device);
            let logits = autocast(precision, device, || module.forward_ts(&batch.inputs))
                .map_err(|err| fail(format!("{MODEL_FILE} forward: {err}")))?;
            if logits.size() != [rows.len() as i64, num_labels as i64] {
                return Err(fail(format!(
                    "{MODEL_FILE} returned shape {:?}, expected [{}, {num_labels}]",
                    logits.size(),
                    rows.len()
                )));
            }
            let probs = Vec::<f32>::try_from(logits.to_kind(Kind::Float).softmax(-1, Kind::Float).flatten(0, -1))
                .map_err(|err| fail(err.to_string()))?;
            for (i, &row) in rows.iter().enumerate() {
                let p = &probs[i * num_labels..(i + 1) * num_labels];
                probabilities[row * num_labels..(row + 1) * num_labels].copy_from_slice(p);
                predicted[row] = (0..num_labels).fold(0, |best, c| if p[c] > p[best] { c } else { best });
            }
        }
        Ok(())
    })?;
    Ok(Forward {
        model: model.to_string(),
        ids: test.ids.clone(),
        truth: test.labels.clone(),
        probabilities,
        predicted,
        seconds: started.elapsed().as_secs_f64(),
        model_bytes,
        precision: precision.to_string(),
    })
}

/// Scores `forward` and stores `inference/<model>/{summary.json, per_label.csv,
/// predictions.parquet}`.
fn score(job: &Job, run: &RunLayout, labels: &[String], model: &str, forward: &Forward) -> Result<ModelInference> {
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

/// The comparison job's ensemble ([`ENSEMBLE`]): per test record the mean, in float64 and in
/// `model_names` order, of the members' probabilities, predicted as its argmax (ties to the lowest
/// class id, as numpy's `argmax`); scored and stored like a model, plus `ensemble.json`, which
/// names the members' files and the rule, so that the ensemble can be served and checked outside
/// mlpipe.
fn ensemble(job: &Job, run: &RunLayout, labels: &[String], members: &[Forward]) -> Result<ModelInference> {
    let first = members.first().ok_or_else(|| Error::Internal { what: "an ensemble without members".into() })?;
    if let Some(other) = members.iter().find(|member| member.ids != first.ids) {
        return Err(Error::Internal {
            what: format!("models {} and {} scored different test records", first.model, other.model),
        });
    }
    let n = labels.len();
    let rows = first.ids.len();
    let mut probabilities = Vec::with_capacity(rows * n);
    let mut predicted = Vec::with_capacity(rows);
    for row in 0..rows {
        let mean: Vec<f64> = (0..n)
            .map(|class| {
                let sum: f64 = members.iter().map(|member| f64::from(member.probabilities[row * n + class])).sum();
                sum / members.len() as f64
            })
            .collect();
        predicted.push((0..n).fold(0, |best, class| if mean[class] > mean[best] { class } else { best }));
        probabilities.extend(mean.iter().map(|&p| p as f32));
    }
    let names: Vec<&str> = members.iter().map(|member| member.model.as_str()).collect();
    let forward = Forward {
        model: ENSEMBLE.to_string(),
        ids: first.ids.clone(),
        truth: first.truth.clone(),
        probabilities,
        predicted,
        seconds: members.iter().map(|member| member.seconds).sum(),
        model_bytes: members.iter().map(|member| member.model_bytes).sum(),
        precision: members
            .iter()
            .map(|member| format!("{} {}", member.model, member.precision))
            .collect::<Vec<_>>()
            .join(", "),
    };
    let result = score(job, run, labels, ENSEMBLE, &forward)?;
    let relative = |key: String| key.strip_prefix(&run.prefix()).map(str::to_string).unwrap_or(key);
    let mut files = serde_json::Map::new();
    for member in members {
        files.insert(
            member.model.clone(),
            serde_json::json!({
                "model": relative(run.model_file(&member.model)?),
                "input_keys": relative(run.input_keys(&member.model)?),
                "precision": member.precision,
            }),
        );
    }
    let manifest = serde_json::json!({
        "members": names,
        "combine": "mean of the members' softmax probabilities, summed in float64 in members order; predicted class = argmax, ties to the lowest class id",
        "files": files,
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|err| Error::Internal { what: err.to_string() })?;
    job.storage.put(&run.ensemble_manifest(), text.as_bytes())?;
    Ok(result)
}

/// Inference runs on the CPU (where a model trained on a GPU must also run) unless
/// `[training] device` names a CUDA device explicitly.
fn inference_device(job: &Job) -> Result<Device> {
    match job.settings.training.device {
        DeviceSetting::Cuda(index) if tch::Cuda::is_available() => Ok(Device::Cuda(index.unwrap_or(0))),
        DeviceSetting::Cuda(_) => {
            Err(Error::Unsupported { what: "training.device = cuda but no CUDA device is available".into() })
        }
        DeviceSetting::Auto | DeviceSetting::Cpu => Ok(Device::Cpu),
    }
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
