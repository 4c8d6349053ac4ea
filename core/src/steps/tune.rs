//! Step `tune`: a hyperparameter search per model of `model_names`, run locally as SageMaker runs
//! a tuning job. It allocates a run (or continues one with `--resume`), runs each model's search
//! ([`ModelSearch`]), promotes the best trial's outputs to `runs/<n>/training/<model>/` (so `infer`
//! and the report work unchanged), and writes `tuning/trials.jsonl`, `tuning/best.json` and the
//! tuning plot per model.

use super::snapshot::require_manifest;
use super::train::open_run;
use super::train_outputs::ModelOutcome;
use crate::data::PreparedManifest;
use crate::distributed::Replica;
use crate::job::Job;
use crate::layout::{self, RunLayout};
use crate::plugin::Plugin;
use crate::run_manifest::RunManifest;
use crate::track::sync;
use crate::tune::plot::tuning_plot;
use crate::tune::prune::{promote_trial, prune_trial};
use crate::tune::record::{parse_best, render_best, BestTrials, TrialRecord};
use crate::tune::search::Space;
use crate::tune::store::load_trials;
use crate::tune::tuner::{Launcher, ModelSearch, SearchOutcome};
use crate::{Error, Result};
use mlpipe_plugin_api::tch;

/// What the step did.
pub struct TuneReport {
    /// The tuning job's run.
    pub run: RunLayout,
    /// Where the run is, as a URI.
    pub run_uri: String,
    /// Per model, its search's outcome (models a resume found finished are absent).
    pub models: Vec<(String, SearchOutcome)>,
}

/// Runs the step: a new run, or run `resume` continued (finished trials kept, unfinished ones run
/// again, the proposal sequence continued); `launch` starts one trial process.
///
/// # Errors
/// No search space, missing prepared data, trials that cannot start, no trial with a result, or
/// storage failures.
pub fn tune(job: &Job, plugin: &Plugin, resume: Option<u64>, launch: &mut Launcher<'_>) -> Result<TuneReport> {
    let settings = &job.settings;
    let tuning = &settings.tuning;
    if !settings.is_tuning() {
        return Err(Error::Unsupported {
            what: format!(
                "tune: {}: [tuning] names no training key to search (e.g. learning_rate = 1e-5 -> 1e-3 log)",
                settings.path.display()
            ),
        });
    }
    let prepared: PreparedManifest = require_manifest(job, &job.layout.prepared_manifest(), "prepare")?;
    let run = open_run(job, resume)?;
    let run_uri = job.storage.uri(&run.prefix());
    println!(
        "tune: run {} in {run_uri}: {} search, {} trials per model, {} at a time",
        run.num(),
        tuning.strategy,
        tuning.max_jobs,
        tuning.max_parallel_jobs
    );
    let replica = Replica::single();
    let mut manifest =
        RunManifest::start(job, plugin, &run, &prepared.records_sha256, &prepared.inputs_sha256, &replica);
    manifest.save(job, &run)?;
    let result = search_models(job, &run, &mut manifest, launch);
    manifest.finish(if result.is_ok() { "finished" } else { "failed" });
    manifest.save(job, &run)?;
    sync::after_step(job, &run);
    Ok(TuneReport { run, run_uri, models: result? })
}

fn search_models(
    job: &Job,
    run: &RunLayout,
    manifest: &mut RunManifest,
    launch: &mut Launcher<'_>,
) -> Result<Vec<(String, SearchOutcome)>> {
    let settings = &job.settings;
    let mut records = load_trials(job, run)?;
    let scratch = crate::scratch::scratch(&run.scratch_name("tune"))?;
    let work = scratch.path();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let gpus = match settings.training.device {
        crate::settings::Device::Cpu => 0,
        _ => tch::Cuda::device_count().max(0) as usize,
    };
    let mut outcomes = Vec::new();
    for model in &settings.experiment.model_names {
        if job.storage.exists(&run.statistics(model)?)? {
            println!("tune: {model} already tuned in run {}, skipped", run.num());
            continue;
        }
        let search = ModelSearch {
            job,
            run,
            model,
            space: Space::new(settings.tuning.search_space.clone()),
            work: work.to_path_buf(),
            cores,
            gpus,
        };
        // The tracker shows each trial as a child run as soon as it ends.
        let outcome = search.run(&mut records, launch, &mut |record| sync::after_trial(job, run, record))?;
        let best = &outcome.best;
        let trial = run.trial(model, best.trial)?;
        promote_trial(job, run, &trial, model)?;
        prune_trial(job, &trial, model)?;
        let maximize = settings.training_for(model).objective_metric.maximize();
        let mine: Vec<TrialRecord> = records.iter().filter(|r| &r.model == model).cloned().collect();
        let plot = work.join(layout::tuning_plot_scratch(model));
        tuning_plot(&plot, model, &mine, maximize).map_err(|err| Error::Internal { what: err.to_string() })?;
        job.storage.put_file(&run.tuning_plot(model)?, &plot)?;
        write_best(job, run, best)?;
        let stats_key = run.statistics(model)?;
        let stats: ModelOutcome = serde_json::from_slice(&job.storage.get(&stats_key)?)
            .map_err(|err| Error::data_file(job.storage.uri(&stats_key), err))?;
        manifest.add_result(&stats, None);
        manifest.save(job, run)?;
        let params: Vec<String> = best.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "tune: {model}: best trial {} of {} ({}): {} = {:.4}; {}; model in {}",
            best.trial,
            mine.len(),
            params.join(", "),
            best.objective_metric,
            best.objective.unwrap_or(f64::NAN),
            outcome.reason,
            job.storage.uri(&run.training_dir(model)?)
        );
        outcomes.push((model.clone(), outcome));
    }
    Ok(outcomes)
}

/// Adds `best` to `tuning/best.json` (model → its best trial's record); the SageMaker backend
/// writes it the same way.
///
/// # Errors
/// Storage failures, or an existing file that is not such a map.
pub fn write_best(job: &Job, run: &RunLayout, best: &TrialRecord) -> Result<()> {
    let key = run.tuning_best();
    let mut all = if job.storage.exists(&key)? { read_best(job, run)? } else { BestTrials::new() };
    all.insert(best.model.clone(), best.clone());
    Ok(job.storage.put(&key, render_best(&all).as_bytes())?)
}

/// Reads `tuning/best.json` (leniently, see [`parse_best`]).
///
/// # Errors
/// A missing file (storage's not-found error), one that is not a map of records (naming its URI),
/// storage failures.
pub fn read_best(job: &Job, run: &RunLayout) -> Result<BestTrials> {
    let key = run.tuning_best();
    let text = String::from_utf8_lossy(&job.storage.get(&key)?).into_owned();
    parse_best(&text).map_err(|err| Error::data_file(job.storage.uri(&key), err))
}
