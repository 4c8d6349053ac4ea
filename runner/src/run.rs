//! Dispatch: loads settings and the plugin once, then runs the requested steps in pipeline order
//! and prints a short summary of each on stdout.
//!
//! Distributed training has two roles. A *worker* (torchrun's variables set, by our launcher or by
//! `torchrun --no-python runner ...`) joins the process group for `train`; the other steps run
//! on rank 0 alone. A *launcher* (`[training] use_distributed = true`, no such variables) runs the
//! other steps itself and starts one worker per local rank for `train` (see [`crate::launch`]),
//! on one host or, inside a SageMaker job, on each host that `SM_HOSTS` lists.

use crate::cli::{Cli, Step};
use crate::invocation::Invocation;
use crate::launch;
use crate::trials::{self, TrialRef};
use mlpipe_core::distributed::{HostPlan, Replica, WorkerEnv};
use mlpipe_core::job::Job;
use mlpipe_core::plugin::Plugin;
use mlpipe_core::settings::{Backend, Settings};
use mlpipe_core::steps::{self, Existing};
use mlpipe_core::tune::control::TrialControl;
use mlpipe_core::tune::tuner::TrialLaunch;
use mlpipe_core::{Error, Result};

/// Runs the command.
///
/// # Errors
/// Bad settings, a plugin that cannot be loaded, or a failing step.
pub fn run(cli: &Cli) -> Result<()> {
    if cli.container {
        return crate::container::run(cli);
    }
    let settings = cli.settings.clone().expect("clap requires SETTINGS.ini without --container");
    run_invocation(&Invocation::from_cli(cli, settings)).map(|_| ())
}

/// Runs one request; returns the run that `train` made or continued (on the process that knows
/// it: single process, launcher of host 0, or rank 0).
///
/// # Errors
/// Bad settings, a plugin that cannot be loaded, or a failing step.
pub fn run_invocation(cli: &Invocation) -> Result<Option<u64>> {
    let settings = Settings::load(&cli.settings, &cli.overrides)?;
    if let Some(trial) = &cli.trial {
        return train_trial(cli, settings, &TrialRef::parse(trial)?).map(|()| None);
    }
    let all = cli.steps.is_empty() || cli.steps.contains(&Step::All);
    // A job with a search space tunes where a plain job trains.
    let fit = if settings.is_tuning() { Step::Tune } else { Step::Train };
    let mut requested: Vec<Step> =
        if all { vec![Step::Reconcile, Step::Prepare, fit, Step::Infer] } else { cli.steps.clone() };
    requested.sort();
    requested.dedup();
    if requested.contains(&Step::Train) && requested.contains(&Step::Tune) {
        return Err(Error::Unsupported {
            what: "steps `train` and `tune` both make a run: ask for one of them".into(),
        });
    }
    if cli.resume.is_some() && !requested.contains(&Step::Train) && !requested.contains(&Step::Tune) {
        return Err(Error::Unsupported { what: "--resume applies to the train and tune steps".into() });
    }
    let existing = match (cli.force, all) {
        (true, _) => Existing::Replace,
        (false, true) => Existing::ReuseIfSame,
        (false, false) => Existing::Refuse,
    };
    let job = Job::open_with(settings, std::sync::Arc::new(mlpipe_aws::Aws))?;
    let plugin = Plugin::open(&cli.plugin, &job.settings)?;
    if cli.run.is_some() && !requested.contains(&Step::Infer) {
        return Err(Error::Unsupported { what: "--run applies to the infer step".into() });
    }
    if job.settings.training.backend == Backend::SageMaker {
        return crate::sagemaker::run_steps(cli, &job, &requested);
    }
    if cli.dry_run {
        return Err(Error::Unsupported {
            what: "--dry-run prints SageMaker requests: it needs training.backend = sagemaker".into(),
        });
    }
    // A device that is not there fails now, not after the data steps ran.
    if requested.iter().any(|step| matches!(step, Step::Train | Step::Tune | Step::Infer)) {
        for model in &job.settings.experiment.model_names {
            steps::training_device(job.settings.training_for(model).device, 0)?;
        }
    }
    let worker = WorkerEnv::from_process()?;
    let plan = match (&worker, job.settings.training.use_distributed) {
        (None, true) => Some(host_plan(&job.settings)?),
        _ => None,
    };
    // Only one process of a distributed job runs the steps other than `train`.
    let runs_other_steps = match (&worker, &plan) {
        (Some(env), _) => env.rank == 0,
        (None, Some(plan)) => plan.node_rank == 0,
        (None, None) => true,
    };
    let mut trained = None;
    for step in requested {
        if step != Step::Train && !runs_other_steps {
            tracing::info!("{}: left to rank 0", step_name(step));
            continue;
        }
        match step {
            Step::Reconcile => {
                let report = steps::reconcile(&job, &plugin, existing)?;
                let m = &report.manifest;
                let verb = if report.skipped { "up to date, reused" } else { "wrote" };
                println!(
                    "reconcile: {verb} {} records, {} labels (train {}, validation {}, test {}) in {}",
                    m.num_records,
                    m.num_labels,
                    m.splits["train"],
                    m.splits["validation"],
                    m.splits["test"],
                    report.uri
                );
                if let Some(archive) = report.archived_to {
                    println!("reconcile: the previous snapshot was moved to {archive}");
                }
            }
            Step::Prepare => {
                let report = steps::prepare(&job, &plugin, existing)?;
                let m = &report.manifest;
                let verb = if report.skipped { "up to date, reused" } else { "wrote" };
                let files: Vec<String> = m.files.iter().map(|(split, file)| format!("{split} {}", file.rows)).collect();
                let models: Vec<String> = m
                    .models
                    .iter()
                    .map(|model| {
                        format!("{} [{}] mean length {:.0}", model.name, model.input_keys.join(", "), model.mean_length)
                    })
                    .collect();
                println!(
                    "prepare: {verb} {} ({}) for {} in {}",
                    files.join(", "),
                    m.files.len(),
                    models.join("; "),
                    report.uri
                );
                if let Some(archive) = report.archived_to {
                    println!("prepare: the previous prepared data was moved to {archive}");
                }
            }
            Step::Train => {
                trained = match (&worker, &plan) {
                    (Some(env), _) => train_as_worker(cli, &job, &plugin, env)?,
                    (None, Some(plan)) => launch::train_workers(cli, plan)?,
                    (None, None) => {
                        let report = steps::train(&job, &plugin, cli.resume, &Replica::single(), &mut |_| {})?;
                        println!("train: run {} finished: {}", report.run.num(), report.run_uri);
                        Some(report.run.num())
                    }
                };
            }
            Step::Tune => {
                if worker.is_some() || plan.is_some() {
                    return Err(Error::Unsupported {
                        what: "tuning runs each trial as one process: set training.use_distributed = false for a tuning job".into(),
                    });
                }
                let mut launch = |spec: &TrialLaunch| trials::launch(cli, spec);
                let report = steps::tune(&job, &plugin, cli.resume, &mut launch)?;
                println!("tune: run {} finished: {}", report.run.num(), report.run_uri);
                trained = Some(report.run.num());
            }
            Step::Infer => {
                steps::infer(&job, cli.run.or(trained))?;
            }
            Step::All => unreachable!("expanded above"),
        }
    }
    Ok(trained)
}

/// Trains one trial of a tuning job in this process (started by the tuner, see [`crate::trials`]).
fn train_trial(cli: &Invocation, settings: Settings, trial: &TrialRef) -> Result<()> {
    let job = Job::open_with(settings, std::sync::Arc::new(mlpipe_aws::Aws))?;
    let plugin = Plugin::open(&cli.plugin, &job.settings)?;
    let layout = job.layout.run(trial.run).trial(&trial.model, trial.trial)?;
    steps::train_trial(&job, &plugin, &layout, &trial.model, TrialControl::from_env())?;
    println!("train: trial {} of {} finished: {}", trial.trial, trial.model, job.storage.uri(&layout.prefix()));
    Ok(())
}

/// Trains as one replica of a distributed job; rank 0 returns the run's number.
fn train_as_worker(cli: &Invocation, job: &Job, plugin: &Plugin, env: &WorkerEnv) -> Result<Option<u64>> {
    let training = &job.settings.training;
    let device = steps::training_device(training.device, env.local_rank)?;
    let timeout = std::time::Duration::from_secs(training.dist_timeout_secs);
    let replica = Replica::join(env, device, timeout)?;
    let report = std::env::var_os(launch::RUN_REPORT_VAR).map(std::path::PathBuf::from);
    let mut on_run = |num: u64| {
        if let Some(path) = &report {
            launch::write_report(path, num);
        }
    };
    let result = steps::train(job, plugin, cli.resume, &replica, &mut on_run);
    if result.is_err() {
        // Peers blocked on this replica fail at once instead of waiting for the timeout.
        replica.abort();
    }
    let report = result?;
    if !replica.is_leader() {
        return Ok(None);
    }
    println!("train: run {} finished: {}", report.run.num(), report.run_uri);
    Ok(Some(report.run.num()))
}

/// This host's share of a distributed job: SageMaker's hosts when `SM_HOSTS` is set, else
/// `num_processes` workers here (default one per GPU, or 2 on CPU) with the store on a free
/// loopback port.
fn host_plan(settings: &Settings) -> Result<HostPlan> {
    let training = &settings.training;
    let processes = match training.num_processes {
        0 => steps::default_num_processes(training.device),
        n => n,
    };
    if let Some(plan) = HostPlan::from_sagemaker(|name| std::env::var(name).ok(), processes)? {
        return Ok(plan);
    }
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|listener| listener.local_addr())
        .map_err(|source| Error::Io { path: "127.0.0.1:0".into(), source })?
        .port();
    Ok(HostPlan::single_host(processes, port))
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Reconcile => "reconcile",
        Step::Prepare => "prepare",
        Step::Train => "train",
        Step::Tune => "tune",
        Step::Infer => "infer",
        Step::All => "all",
    }
}
