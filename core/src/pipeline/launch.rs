//! The launcher of distributed training on this host: starts one worker process per local rank
//! (this same `runner`, asked for the `train` step only, with torchrun's environment variables),
//! supervises them, and stops the rest as soon as one fails, so that a crashed or stalled rank
//! ends the job within the configured timeout instead of hanging it. Rank 0 reports the run's
//! number through a small file, which the launcher reads for the steps after `train`.

use super::invocation::Invocation;
use super::say::Say;
use crate::distributed::HostPlan;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::time::{Duration, Instant};

/// The variable naming the file where rank 0 writes the run number.
pub const RUN_REPORT_VAR: &str = "MLPIPE_RUN_REPORT";

/// How long the other workers get to exit by themselves (their collectives fail within
/// milliseconds when a peer dies) before they are killed.
const GRACE: Duration = Duration::from_secs(5);

/// Runs the `train` step on this host's workers of `plan` and waits for all of them. Returns
/// the run number when this host runs rank 0. The line announcing the workers goes to `say`.
///
/// # Errors
/// [`Error::Distributed`] naming the first worker that failed (the others are stopped), with the
/// command that resumes the run when its number is known.
pub fn train_workers(invocation: &Invocation, plan: &HostPlan, say: &Say) -> Result<Option<u64>> {
    let exe = std::env::current_exe().map_err(|source| Error::Io { path: "runner".into(), source })?;
    // A folder of its own: a stale report left by an earlier launcher cannot be read as this one's.
    let scratch = crate::scratch::scratch("mlpipe-launch")?;
    let report = scratch.path().join("run");
    say(&format!(
        "train: starting {} worker(s) on this host, ranks {}..{} of {} (store {}:{})",
        plan.nproc_per_node,
        plan.node_rank * plan.nproc_per_node,
        (plan.node_rank + 1) * plan.nproc_per_node - 1,
        plan.world_size(),
        plan.master_addr,
        plan.master_port
    ));
    let mut workers: Vec<(usize, Child)> = Vec::new();
    for local_rank in 0..plan.nproc_per_node {
        let env = plan.worker(local_rank);
        let spawned =
            Command::new(&exe).args(invocation.worker_args()).envs(env.to_vars()).env(RUN_REPORT_VAR, &report).spawn();
        match spawned {
            Ok(child) => workers.push((env.rank, child)),
            Err(source) => {
                stop(&mut workers);
                return Err(Error::Io { path: exe, source });
            }
        }
    }
    let outcome = supervise(&mut workers);
    let run = read_report(&report);
    match outcome {
        Ok(()) => Ok(run),
        Err((rank, status)) => {
            let resume = match run {
                Some(num) => format!(
                    "; its checkpoints are kept: continue with `runner --plugin {} {} train --resume {num}`",
                    invocation.plugin.display(),
                    invocation.settings.display()
                ),
                None => String::new(),
            };
            Err(Error::Distributed {
                what: format!(
                    "rank {rank} of {} {}; the other workers were stopped{resume}",
                    plan.world_size(),
                    describe(status)
                ),
            })
        }
    }
}

/// Waits for every worker. On the first failure the others get [`GRACE`] to exit, then are
/// killed; the failure is returned. Workers blocked on a stalled peer exit by themselves once
/// their collectives time out (`[training] dist_timeout_secs`), and the stalled worker is killed
/// when they do.
fn supervise(workers: &mut [(usize, Child)]) -> std::result::Result<(), (usize, ExitStatus)> {
    let mut failed: Option<(usize, ExitStatus, Instant)> = None;
    let mut running: Vec<bool> = vec![true; workers.len()];
    loop {
        for (i, (rank, child)) in workers.iter_mut().enumerate() {
            if !running[i] {
                continue;
            }
            if let Ok(Some(status)) = child.try_wait() {
                running[i] = false;
                if !status.success() && failed.is_none() {
                    failed = Some((*rank, status, Instant::now()));
                }
            }
        }
        if !running.iter().any(|&r| r) {
            return match failed {
                Some((rank, status, _)) => Err((rank, status)),
                None => Ok(()),
            };
        }
        if let Some((_, _, since)) = failed {
            if since.elapsed() > GRACE {
                for (i, (_, child)) in workers.iter_mut().enumerate() {
                    if running[i] {
                        let _ = child.kill();
                    }
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Kills and reaps workers (a failed start).
fn stop(workers: &mut [(usize, Child)]) {
    for (_, child) in workers.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Writes the run number for the launcher (called by rank 0 of a launched job).
pub fn write_report(path: &Path, run: u64) {
    let staged = PathBuf::from(format!("{}.tmp", path.display()));
    if std::fs::write(&staged, run.to_string()).is_ok() {
        let _ = std::fs::rename(&staged, path);
    }
}

fn read_report(path: &Path) -> Option<u64> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => format!("was killed by signal {signal}"),
        _ => "ended abnormally".into(),
    }
}
