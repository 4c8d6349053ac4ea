//! [`LocalBackend`]: the steps as processes on this machine, handing a summary of each to the runner to print.
//!
//! Distributed training has two roles. A *worker* (torchrun's variables set, by our launcher or by
//! `torchrun --no-python runner ...`) joins the process group for `train`; the other steps run
//! on rank 0 alone. A *launcher* (`[training] use_distributed = true`, no such variables) runs the
//! other steps itself and starts one worker per local rank for `train` (see
//! [`train_workers`]), on one host or, inside a SageMaker job, on each host that `SM_HOSTS` lists.

use super::backend::Backend;
use super::invocation::Invocation;
use super::launch::{self, train_workers};
use super::say::Say;
use super::step::Step;
use super::trials::launch_trial;
use crate::distributed::{HostPlan, Replica, WorkerEnv};
use crate::job::Job;
use crate::plugin::Plugin;
use crate::settings::Settings;
use crate::steps::{self, Existing};
use crate::tune::tuner::TrialLaunch;
use crate::{Error, Result};

/// Runs steps in this process, or in worker and trial processes of this same executable.
#[derive(Debug, Clone, Copy, Default)]
pub struct LocalBackend;

/// Which processes of a distributed job this one is.
struct Role {
    /// Torchrun's variables, when this process is a worker.
    worker: Option<WorkerEnv>,
    /// This host's share, when this process launches the workers.
    plan: Option<HostPlan>,
}

impl Role {
    /// Only one process of a distributed job runs the steps other than `train`.
    fn runs_other_steps(&self) -> bool {
        match (&self.worker, &self.plan) {
            (Some(env), _) => env.rank == 0,
            (None, Some(plan)) => plan.node_rank == 0,
            (None, None) => true,
        }
    }
}

impl Backend for LocalBackend {
    fn run_steps(
        &self,
        invocation: &Invocation,
        job: &Job,
        plugin: &Plugin,
        steps: &[Step],
        say: &Say,
    ) -> Result<Option<u64>> {
        if invocation.dry_run {
            return Err(Error::Unsupported {
                what: "--dry-run prints SageMaker requests: it needs training.backend = sagemaker".into(),
            });
        }
        // A device that is not there fails now, not after the data steps ran.
        if steps.iter().any(|step| matches!(step, Step::Train | Step::Tune | Step::Infer)) {
            for model in &job.settings.experiment.model_names {
                steps::training_device(job.settings.training_for(model).device, 0)?;
            }
        }
        let worker = WorkerEnv::from_process()?;
        let plan = match (&worker, job.settings.training.use_distributed) {
            (None, true) => Some(host_plan(&job.settings)?),
            _ => None,
        };
        let role = Role { worker, plan };
        let mut trained = None;
        for &step in steps {
            if step != Step::Train && !role.runs_other_steps() {
                tracing::info!("{}: left to rank 0", step.name());
                continue;
            }
            trained = run_step(invocation, job, plugin, &role, step, trained, say)?;
        }
        Ok(trained)
    }
}

/// Runs one step; returns the run known after it (`trained`, unless the step made one).
fn run_step(
    invocation: &Invocation,
    job: &Job,
    plugin: &Plugin,
    role: &Role,
    step: Step,
    trained: Option<u64>,
    say: &Say,
) -> Result<Option<u64>> {
    let existing = match (invocation.force, invocation.all_steps()) {
        (true, _) => Existing::Replace,
        (false, true) => Existing::ReuseIfSame,
        (false, false) => Existing::Refuse,
    };
    match step {
        Step::Reconcile => reconcile(job, plugin, existing, say).map(|()| trained),
        Step::Prepare => prepare(job, plugin, existing, say).map(|()| trained),
        Step::Train => train(invocation, job, plugin, role, say),
        Step::Tune => tune(invocation, job, plugin, role, say).map(Some),
        Step::Infer => steps::infer(job, invocation.run.or(trained)).map(|_| trained),
    }
}

fn reconcile(job: &Job, plugin: &Plugin, existing: Existing, say: &Say) -> Result<()> {
    let report = steps::reconcile(job, plugin, existing)?;
    let m = &report.manifest;
    let verb = if report.skipped { "up to date, reused" } else { "wrote" };
    say(&format!(
        "reconcile: {verb} {} records, {} labels (train {}, validation {}, test {}) in {}",
        m.num_records, m.num_labels, m.splits["train"], m.splits["validation"], m.splits["test"], report.uri
    ));
    if let Some(archive) = report.archived_to {
        say(&format!("reconcile: the previous snapshot was moved to {archive}"));
    }
    Ok(())
}

fn prepare(job: &Job, plugin: &Plugin, existing: Existing, say: &Say) -> Result<()> {
    let report = steps::prepare(job, plugin, existing)?;
    let m = &report.manifest;
    let verb = if report.skipped { "up to date, reused" } else { "wrote" };
    let files: Vec<String> = m.files.iter().map(|(split, file)| format!("{split} {}", file.rows)).collect();
    let models: Vec<String> = m
        .models
        .iter()
        .map(|model| format!("{} [{}] mean length {:.0}", model.name, model.input_keys.join(", "), model.mean_length))
        .collect();
    say(&format!(
        "prepare: {verb} {} ({}) for {} in {}",
        files.join(", "),
        m.files.len(),
        models.join("; "),
        report.uri
    ));
    if let Some(archive) = report.archived_to {
        say(&format!("prepare: the previous prepared data was moved to {archive}"));
    }
    Ok(())
}

/// `train` as this process's role has it: a worker, the launcher of this host's workers, or the
/// only process.
fn train(invocation: &Invocation, job: &Job, plugin: &Plugin, role: &Role, say: &Say) -> Result<Option<u64>> {
    match (&role.worker, &role.plan) {
        (Some(env), _) => train_as_worker(invocation, job, plugin, env, say),
        (None, Some(plan)) => train_workers(invocation, plan, say),
        (None, None) => {
            let report = steps::train(job, plugin, invocation.resume, &Replica::single(), &mut |_| {})?;
            say(&format!("train: run {} finished: {}", report.run.num(), report.run_uri));
            Ok(Some(report.run.num()))
        }
    }
}

fn tune(invocation: &Invocation, job: &Job, plugin: &Plugin, role: &Role, say: &Say) -> Result<u64> {
    if role.worker.is_some() || role.plan.is_some() {
        return Err(Error::Unsupported {
            what: "tuning runs each trial as one process: set training.use_distributed = false for a tuning job".into(),
        });
    }
    let mut launch = |spec: &TrialLaunch| launch_trial(invocation, spec);
    let report = steps::tune(job, plugin, invocation.resume, &mut launch)?;
    say(&format!("tune: run {} finished: {}", report.run.num(), report.run_uri));
    Ok(report.run.num())
}

/// Trains as one replica of a distributed job; rank 0 returns the run's number.
fn train_as_worker(
    invocation: &Invocation,
    job: &Job,
    plugin: &Plugin,
    env: &WorkerEnv,
    say: &Say,
) -> Result<Option<u64>> {
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
    let result = steps::train(job, plugin, invocation.resume, &replica, &mut on_run);
    if result.is_err() {
        // Peers blocked on this replica fail at once instead of waiting for the timeout.
        replica.abort();
    }
    let report = result?;
    if !replica.is_leader() {
        return Ok(None);
    }
    say(&format!("train: run {} finished: {}", report.run.num(), report.run_uri));
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
