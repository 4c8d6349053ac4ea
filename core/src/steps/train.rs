//! Step `train`: allocates a run, snapshots the settings, and fine-tunes every model of
//! `model_names` on the prepared data, leaving per model the best weights, the verified
//! TorchScript export, `input_keys.json`, `metrics.jsonl`, `statistics.json` and curves. With
//! `--resume <run>` it continues a killed run from its last checkpoints.
//!
//! Distributed, every replica runs this step: rank 0 allocates (or checks) the run and tells the
//! others its number, everyone trains in lock-step, and only rank 0 writes files; at the end of
//! each model the replicas prove their parameters are bit-identical and wait for rank 0's outputs.

use super::snapshot::require_manifest;
use super::train_hooks::ModelHooks;
use super::train_outputs::{write_outputs, ModelOutcome, Trained};
use crate::data::{parse_id2label, PreparedManifest};
use crate::distributed::Replica;
use crate::job::Job;
use crate::layout::{allocate_run, RunLayout, WorkFiles};
use crate::plugin::Plugin;
use crate::run_manifest::RunManifest;
use crate::settings::{ClassWeighting, Device as DeviceSetting, JobType, Sampler, TrainingSettings};
use crate::track::sync;
use crate::train::batching::collate;
use crate::train::checkpoint_keeper::CheckpointState;
use crate::train::config::Balance;
use crate::train::dataset::Dataset;
use crate::train::evaluate::check_logits;
use crate::train::hooks::Hooks as _;
use crate::train::loss::{class_weights, label_counts};
use crate::train::optim::{AdamW, AdamWConfig};
use crate::train::sampler::Sampling;
use crate::train::state::TrainState;
use crate::train::trainer::{train as run_loop, TrainConfig};
use crate::tune::control::TrialControl;
use crate::{Error, Result};
use mlpipe_plugin_api::tch::{self, Device, Tensor};
use mlpipe_plugin_api::Model;
use std::time::Instant;

/// What the step did.
pub struct TrainReport {
    /// The run trained in.
    pub run: RunLayout,
    /// Where the run is, as a URI.
    pub run_uri: String,
    /// The headline of every model this invocation trained (rank 0).
    pub models: Vec<ModelOutcome>,
}

/// Runs the step as `replica` (a single process: [`Replica::single`]): a new run, or the run
/// `resume` continued; `on_run` learns the run's number as soon as it is known (rank 0 only). A
/// follower replica returns no model outcomes.
///
/// # Errors
/// Missing prepared data, a model that misbehaves (named), divergence, storage failures, or a
/// replica that is gone or stalled (distributed).
pub fn train(
    job: &Job,
    plugin: &Plugin,
    resume: Option<u64>,
    replica: &Replica,
    on_run: &mut dyn FnMut(u64),
) -> Result<TrainReport> {
    let settings = &job.settings;
    let training = &settings.training;
    let (prepared, labels) = prepared_data(job)?;
    let device = match replica.world_size() {
        1 => training_device(training.device, 0)?,
        _ => replica.device(),
    };
    if training.num_threads > 0 {
        tch::set_num_threads(training.num_threads as i32);
    } else if replica.local_world_size() > 1 {
        // Replicas on one host share its cores; more threads than cores only adds contention.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        tch::set_num_threads((cores / replica.local_world_size()).max(1) as i32);
    }
    if !replica.is_leader() {
        let run = job.layout.run(replica.broadcast_u64(0)?);
        let models = Models { names: &settings.experiment.model_names, control: None };
        let context = Context { job, plugin, run: &run, prepared: &prepared, labels: &labels, device, replica };
        train_models(&context, models, None)?;
        let run_uri = job.storage.uri(&run.prefix());
        return Ok(TrainReport { run, run_uri, models: Vec::new() });
    }
    let run = open_run(job, resume)?;
    let run_uri = job.storage.uri(&run.prefix());
    on_run(run.num());
    replica.broadcast_u64(run.num())?;
    match replica.world_size() {
        1 => println!("train: run {} in {run_uri}", run.num()),
        world => println!(
            "train: run {} in {run_uri}, {world} replicas ({})",
            run.num(),
            replica.backend().map(|backend| backend.to_string()).unwrap_or_default()
        ),
    }
    let mut manifest =
        RunManifest::start(job, plugin, &run, &prepared.records_sha256, &prepared.inputs_sha256, replica);
    // `train` on a tuning job's settings trains the settings as written, once.
    let trained = if settings.experiment.model_names.len() > 1 { JobType::Comparison } else { JobType::Training };
    manifest.job_type = trained.as_str().to_string();
    manifest.save(job, &run)?;
    let models = Models { names: &settings.experiment.model_names, control: None };
    let context = Context { job, plugin, run: &run, prepared: &prepared, labels: &labels, device, replica };
    let result = train_models(&context, models, Some(&mut manifest));
    record_end(job, &run, &mut manifest, result.is_ok())?;
    sync::after_step(job, &run);
    let models = result?;
    Ok(TrainReport { run, run_uri, models })
}

/// The run the train step works in: run `resume` after checking that it exists and was made with
/// the same settings, or a newly allocated run with the settings snapshot in it. Used by the
/// SageMaker backend too, which trains remotely into the same layout.
///
/// # Errors
/// A missing run or different settings for `resume` (usage errors), storage failures.
pub fn open_run(job: &Job, resume: Option<u64>) -> Result<RunLayout> {
    let settings = &job.settings;
    let run = match resume {
        Some(num) => {
            let run = job.layout.run(num);
            if !job.storage.exists(&run.claim())? {
                return Err(Error::Unsupported {
                    what: format!("--resume {num}: there is no run {}", job.storage.uri(&run.prefix())),
                });
            }
            // A resume is exact only with the run's own settings.
            let snapshot = String::from_utf8_lossy(&job.storage.get(&run.settings())?).into_owned();
            if snapshot != settings.to_ini() {
                return Err(Error::Unsupported {
                    what: format!(
                        "--resume {num}: the settings differ from the run's snapshot {}; resume with the same settings (drop the --set overrides or edits)",
                        job.storage.uri(&run.settings())
                    ),
                });
            }
            run
        }
        None => {
            let claim = format!(
                "pid = {}\ncreated = \"{}\"\n",
                std::process::id(),
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            );
            let run = allocate_run(job.storage.as_ref(), &job.layout, claim.as_bytes())?;
            job.storage.put(&run.settings(), settings.to_ini().as_bytes())?;
            run
        }
    };
    Ok(run)
}

/// Trains model `model` as one trial of a tuning job, in the trial's layout `trial` (see
/// [`RunLayout::trial`]), with the job's settings (which carry the trial's parameters), in this
/// process alone; `control` is the tuner's early-stopping channel. A trial that was killed resumes
/// from its last checkpoint; one that had finished is not trained again.
///
/// # Errors
/// As [`train`].
pub fn train_trial(
    job: &Job,
    plugin: &Plugin,
    trial: &RunLayout,
    model: &str,
    control: Option<TrialControl>,
) -> Result<()> {
    let training = job.settings.training_for(model);
    let (prepared, labels) = prepared_data(job)?;
    let device = training_device(training.device, 0)?;
    if training.num_threads > 0 {
        tch::set_num_threads(training.num_threads as i32);
    }
    let replica = Replica::single();
    job.storage.put(&trial.settings(), job.settings.to_ini().as_bytes())?;
    let mut manifest =
        RunManifest::start(job, plugin, trial, &prepared.records_sha256, &prepared.inputs_sha256, &replica);
    manifest.save(job, trial)?;
    let names = [model.to_string()];
    let models = Models { names: &names, control: control.map(|c| (c, training.objective_metric.to_string())) };
    let context = Context { job, plugin, run: trial, prepared: &prepared, labels: &labels, device, replica: &replica };
    let result = train_models(&context, models, Some(&mut manifest));
    record_end(job, trial, &mut manifest, result.is_ok())?;
    result.map(|_| ())
}

/// Which models [`train_models`] trains, and a tuner's early-stopping control for them.
struct Models<'a> {
    names: &'a [String],
    control: Option<(TrialControl, String)>,
}

/// What every model of one invocation trains with.
struct Context<'a> {
    job: &'a Job,
    plugin: &'a Plugin,
    run: &'a RunLayout,
    prepared: &'a PreparedManifest,
    labels: &'a [String],
    device: Device,
    replica: &'a Replica,
}

/// The prepared data's manifest and the task's labels.
///
/// # Errors
/// No prepared data (run `prepare`), storage failures, or an unreadable `id2label.json`.
fn prepared_data(job: &Job) -> Result<(PreparedManifest, Vec<String>)> {
    let prepared: PreparedManifest = require_manifest(job, &job.layout.prepared_manifest(), "prepare")?;
    let labels_key = job.layout.id2label();
    let labels =
        parse_id2label(&String::from_utf8_lossy(&job.storage.get(&labels_key)?), &job.storage.uri(&labels_key))?;
    Ok((prepared, labels))
}

/// Records in `manifest` (saved in `run`) whether training finished (`ok`) or failed.
///
/// # Errors
/// A failure to save the manifest.
fn record_end(job: &Job, run: &RunLayout, manifest: &mut RunManifest, ok: bool) -> Result<()> {
    manifest.finish(if ok { "finished" } else { "failed" });
    manifest.save(job, run)
}

/// Trains every model of `models` that the run has not finished yet; `manifest` is rank 0's.
fn train_models(
    context: &Context<'_>,
    models_to_train: Models<'_>,
    mut manifest: Option<&mut RunManifest>,
) -> Result<Vec<ModelOutcome>> {
    let scratch = crate::scratch::scratch(&context.run.scratch_name("train"))?;
    let mut models = Vec::new();
    for model_name in models_to_train.names {
        if already_finished(context, model_name)? {
            continue;
        }
        let work = WorkFiles::new(scratch.path().join(model_name));
        let control = models_to_train.control.clone();
        let outcome = train_model(context, model_name, work, control, manifest.as_deref_mut())?;
        models.extend(outcome);
    }
    Ok(models)
}

/// Whether `model_name` finished in the run already (rank 0's view decides, so that every
/// replica skips the same models); rank 0 says so and removes checkpoints a killed run left.
fn already_finished(context: &Context<'_>, model_name: &str) -> Result<bool> {
    let Context { job, run, replica, .. } = *context;
    let finished = replica.is_leader() && job.storage.exists(&run.statistics(model_name)?)?;
    if replica.broadcast_u64(u64::from(finished))? != 1 {
        return Ok(false);
    }
    if replica.is_leader() {
        println!("train: {model_name} already finished in run {}, skipped", run.num());
        // A run killed between its last output and the clean-up left its checkpoints.
        let keep = job.settings.training_for(model_name).keep_checkpoints_after_finish;
        remove_checkpoints(job, run, model_name, keep)?;
    }
    Ok(true)
}

/// Trains one model: its data, a fresh or restored model and optimiser, the loop with its hooks,
/// then (rank 0) the outputs and the manifest entry. A follower returns no outcome.
fn train_model(
    context: &Context<'_>,
    model_name: &str,
    work: WorkFiles,
    control: Option<(TrialControl, String)>,
    manifest: Option<&mut RunManifest>,
) -> Result<Option<ModelOutcome>> {
    let Context { job, plugin, run, labels, device, replica, .. } = *context;
    let training = job.settings.training_for(model_name);
    let started = Instant::now();
    let (train_data, validation) = load_splits(context, model_name)?;
    let balance = label_balance(training, &train_data.labels, labels, model_name)?;
    let seed = job.settings.experiment.seed;
    tch::manual_seed(seed as i64);
    let mut model = plugin.experiment.load_model(model_name, labels.len(), device)?;
    let params = model.named_parameters().map_err(|err| model_error(model_name, err))?;
    let mut optim = AdamW::new(params, AdamWConfig { weight_decay: training.weight_decay, ..AdamWConfig::default() });
    let config = TrainConfig::from_settings(training, model_name, labels.len(), seed, balance, device, replica);
    let mut hooks = ModelHooks::new(job, run, training, &config, work, control)?;
    let state = restore(job, run, model_name, &mut model, &mut optim, &hooks, replica.is_leader())?;
    // Every replica starts from rank 0's parameters and optimiser moments.
    replica.broadcast_from_leader(&optim.params())?;
    replica.broadcast_from_leader(&optim.state().0.into_iter().map(|(_, t)| t).collect::<Vec<_>>())?;
    probe(&mut model, &validation, labels.len(), device, model_name)?;
    let state = run_loop(&mut model, &train_data, &validation, &config, &mut optim, state, &mut hooks.set())?;
    hooks.progress.end();
    let replicas_sha256 = match replica.world_size() {
        1 => None,
        _ => Some(replica.check_identical(&optim.params())?),
    };
    let Some(manifest) = manifest else {
        // Followers wait for rank 0's outputs, so that the next model starts together.
        replica.barrier()?;
        return Ok(None);
    };
    let trained = Trained { config: &config, state: &state, validation: &validation, started };
    let outcome = write_outputs(job, run, &mut model, &hooks, trained, labels)?;
    remove_checkpoints(job, run, model_name, training.keep_checkpoints_after_finish)?;
    hooks.live.end();
    replica.barrier()?;
    announce(context, &config, &outcome, replicas_sha256.as_deref())?;
    manifest.add_result(&outcome, replicas_sha256.as_deref());
    manifest.save(job, run)?;
    Ok(Some(outcome))
}

/// Prints the headline of a model that finished (rank 0).
fn announce(context: &Context<'_>, config: &TrainConfig, outcome: &ModelOutcome, sha256: Option<&str>) -> Result<()> {
    let model_name = &config.model_name;
    println!(
        "train: {model_name}: best {} = {:.4} at epoch {} ({:.0} samples/s); model in {}",
        config.objective_name(),
        outcome.best_value,
        outcome.best_epoch,
        outcome.samples_per_second,
        context.job.storage.uri(&context.run.training_dir(model_name)?)
    );
    if let Some(sha) = sha256 {
        println!(
            "train: {model_name}: {} replicas hold bit-identical parameters (sha256 {sha})",
            context.replica.world_size()
        );
    }
    Ok(())
}

/// The training and validation splits of `model_name`, with the model's input columns.
///
/// # Errors
/// A model missing from the prepared data, a missing input column, or an empty split (named).
fn load_splits(context: &Context<'_>, model_name: &str) -> Result<(Dataset, Dataset)> {
    let job = context.job;
    let entry = context.prepared.models.iter().find(|m| m.name == model_name).ok_or_else(|| Error::ModelContract {
        model: model_name.to_string(),
        problem: "not in the prepared data: run `prepare` again for the current model_names".into(),
    })?;
    let inputs: Vec<(String, String)> = entry
        .input_keys
        .iter()
        .map(|key| {
            entry.columns.get(key).map(|column| (key.clone(), column.clone())).ok_or_else(|| Error::ModelContract {
                model: model_name.to_string(),
                problem: format!("input key {key:?} is missing from the prepared data"),
            })
        })
        .collect::<Result<_>>()?;
    let load = |split: &str| -> Result<Dataset> {
        let key = job.layout.prepared(split)?;
        let uri = job.storage.uri(&key);
        let empty = |problem: String| Error::ModelContract { model: model_name.to_string(), problem };
        if !job.storage.exists(&key)? {
            return Err(empty(format!("the {split} split is empty ({uri} missing)")));
        }
        let data = Dataset::from_parquet(job.storage.get(&key)?, &uri, &inputs)?;
        if data.is_empty() {
            return Err(empty(format!("the {split} split is empty")));
        }
        Ok(data)
    };
    Ok((load("train")?, load("validation")?))
}

/// The epoch sampling and class weights `training` asks for, from the training split's labels.
///
/// # Errors
/// A label with no training record while `class_weighting` or the balanced `sampler` needs one.
fn label_balance(training: &TrainingSettings, train_labels: &[i64], labels: &[String], model: &str) -> Result<Balance> {
    let counts = label_counts(train_labels, labels.len());
    let missing = |key: &str, value: &str, label: usize| Error::ModelContract {
        model: model.to_string(),
        problem: format!(
            "training.{key} = {value} needs training records of every label, and label {:?} has none",
            labels[label]
        ),
    };
    let weights = class_weights(training.class_weighting, &counts)
        .map_err(|gap| missing("class_weighting", training.class_weighting.as_str(), gap.label))?;
    let sampling = match training.sampler {
        Sampler::Shuffle => Sampling::Shuffle,
        Sampler::Balanced => match counts.iter().position(|&count| count == 0) {
            Some(label) => return Err(missing("sampler", "balanced", label)),
            None => Sampling::balanced(train_labels, labels.len()),
        },
    };
    if training.class_weighting != ClassWeighting::None || training.sampler != Sampler::Shuffle {
        tracing::debug!("{model}: training label counts {counts:?}, class weights {weights:?}");
    }
    Ok(Balance { sampling, class_weights: weights })
}

/// Runs the model once on two validation rows, so a wrong output shape or a failing forward
/// stops the job before any training.
fn probe(model: &mut dyn Model, validation: &Dataset, num_labels: usize, device: Device, name: &str) -> Result<()> {
    let rows: Vec<usize> = (0..validation.len().min(2)).collect();
    let batch = collate(validation, &rows, device);
    model.set_train(false).map_err(|err| model_error(name, err))?;
    let logits = tch::no_grad(|| model.forward(&batch.inputs)).map_err(|err| model_error(name, err))?;
    check_logits(&logits, rows.len(), num_labels, name)
}

/// Restores a model's checkpoint when the run has one.
fn restore(
    job: &Job,
    run: &RunLayout,
    model_name: &str,
    model: &mut dyn Model,
    optim: &mut AdamW,
    hooks: &ModelHooks<'_>,
    leader: bool,
) -> Result<TrainState> {
    let state_key = run.checkpoint_state(model_name)?;
    if !job.storage.exists(&state_key)? {
        return Ok(TrainState::default());
    }
    let uri = job.storage.uri(&state_key);
    let saved: CheckpointState = toml::from_str(&String::from_utf8_lossy(&job.storage.get(&state_key)?))
        .map_err(|err| Error::data_file(&uri, err))?;
    let fetch = |name: &str, key: String| -> Result<std::path::PathBuf> {
        let path = hooks.work.restored(name);
        job.storage.get_file(&key, &path)?;
        Ok(path)
    };
    let step = saved.state.step;
    let weights = fetch("weights", run.checkpoint_weights(model_name, step)?)?;
    model.load_weights(&weights).map_err(|err| model_error(model_name, err))?;
    let optimizer = fetch("optimizer", run.checkpoint_optimizer(model_name, step)?)?;
    let tensors = Tensor::read_safetensors(optimizer).map_err(|err| model_error(model_name, err))?;
    optim.load_state(&tensors, saved.optimizer_steps).map_err(|err| Error::data_file(&uri, err))?;
    if saved.state.best.is_some() {
        let best = hooks.work.best_weights();
        std::fs::copy(fetch("best", run.checkpoint_best(model_name)?)?, &best)
            .map_err(|source| Error::Io { path: best, source })?;
    }
    hooks.metrics.restore(step)?;
    if leader {
        println!(
            "train: {model_name}: resumed at epoch {} step {} (batch {} of the epoch)",
            saved.state.epoch + 1,
            saved.state.step,
            saved.state.batch
        );
    }
    Ok(saved.state)
}

/// Deletes `model`'s `checkpoints/` in `run` once it has finished (its `statistics.json` exists, so
/// a resume skips it), unless `[training] keep_checkpoints_after_finish` keeps them: the exported
/// model and `weights.safetensors` are what a finished model needs, and the best weights are then
/// on disk once, not twice.
fn remove_checkpoints(job: &Job, run: &RunLayout, model: &str, keep: bool) -> Result<()> {
    if keep {
        return Ok(());
    }
    for key in job.storage.list(&run.checkpoints_prefix(model)?)? {
        job.storage.delete(&key)?;
    }
    Ok(())
}

/// Workers a distributed job starts on one host when `[training] num_processes` is 0: one per
/// GPU when training on CUDA, else 2.
pub fn default_num_processes(setting: DeviceSetting) -> usize {
    let gpus = tch::Cuda::device_count() as usize;
    match setting {
        DeviceSetting::Cpu => 2,
        DeviceSetting::Auto | DeviceSetting::Cuda(_) if gpus > 0 => gpus,
        _ => 2,
    }
}

/// The device `[training] device` names for the worker with `local_rank` on its host (a
/// single process: 0); distributed CUDA workers take one GPU each.
///
/// # Errors
/// [`Error::Unsupported`] when CUDA is asked for and missing.
pub fn training_device(setting: DeviceSetting, local_rank: usize) -> Result<Device> {
    match setting {
        DeviceSetting::Cpu => Ok(Device::Cpu),
        DeviceSetting::Auto if tch::Cuda::is_available() => Ok(Device::Cuda(local_rank)),
        DeviceSetting::Auto => Ok(Device::Cpu),
        DeviceSetting::Cuda(index) => {
            if !tch::Cuda::is_available() {
                return Err(Error::Unsupported {
                    what: "training.device = cuda but no CUDA device is available".into(),
                });
            }
            Ok(Device::Cuda(index.unwrap_or(0) + local_rank))
        }
    }
}

fn model_error(model: &str, err: impl std::fmt::Display) -> Error {
    Error::ModelContract { model: model.to_string(), problem: err.to_string() }
}
