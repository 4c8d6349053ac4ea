//! The forward passes of the `infer` step: one model's exported `model.pt`, copied from the run
//! and loaded with libtorch, run on the test split in length-sorted batches with dynamic padding,
//! in the precision it was trained in, giving each record's class probabilities.

use crate::data::PreparedManifest;
use crate::job::Job;
use crate::layout::{RunLayout, INPUT_KEYS_FILE, MODEL_FILE};
use crate::settings::Device as DeviceSetting;
use crate::train::autocast::autocast;
use crate::train::batching::{collate, eval_batches};
use crate::train::dataset::Dataset;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::{self, CModule, Device, Kind};
use std::time::Instant;

/// One model's test-split forward passes: each record's class probabilities and prediction.
pub(super) struct Forward {
    pub model: String,
    pub ids: Vec<String>,
    pub truth: Vec<i64>,
    /// Row-major, `ids.len()` × number of labels.
    pub probabilities: Vec<f32>,
    pub predicted: Vec<usize>,
    pub seconds: f64,
    pub model_bytes: u64,
    pub precision: String,
}

pub(super) fn forward_model(
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
