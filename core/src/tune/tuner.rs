//! The local tuner: the search of one model run the way SageMaker runs a tuning job, on this
//! machine. Trials are separate processes (started by the caller's [`Launcher`]), at most
//! `max_parallel_jobs` at once, each told its parameters as `training.<model>.<key>` overrides;
//! proposals come from [`search::propose`](super::search::propose), a pure function of the seed,
//! the trial number and the finished trials, so a resumed search continues the same sequence.
//!
//! Records go to `tuning/trials.jsonl` whenever a trial starts or ends. A trial beaten by another
//! loses its model files at once ([`prune_trial`]). The search ends after `max_jobs` trials, when
//! the objective reaches `target_objective`, or after `max_jobs_without_improvement` trials that
//! did not beat the best.

use super::control::{Reference, TrialControl};
use super::hyperband_plan;
use super::prune::prune_trial;
use super::record::{TrialRecord, TrialStatus};
use super::search::{propose, Observation, Space};
use super::store::{per_epoch, save_trials};
use crate::job::Job;
use crate::layout::{trial_control, RunLayout};
use crate::settings::{TuningEarlyStopping, TuningStrategy};
use crate::train::outcome::ModelOutcome;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

/// What the launcher must start: one trial process.
#[derive(Debug, Clone)]
pub struct TrialLaunch {
    /// The tuning job's run.
    pub run: u64,
    /// The model searched.
    pub model: String,
    /// The trial number (1-based).
    pub trial: u32,
    /// `section.key=value` settings overrides: the trial's parameters and its thread share.
    pub overrides: Vec<String>,
    /// The trial's control folder ([`TrialControl`]); its log goes to `log`.
    pub control_dir: PathBuf,
    /// The file the trial's output goes to.
    pub log: PathBuf,
    /// The GPU this trial may use (CUDA index), when training on GPUs.
    pub gpu: Option<usize>,
}

/// Starts a trial process: `runner ... train --trial <run>/<model>/<trial>` with the overrides,
/// [`CONTROL_VAR`](super::control::CONTROL_VAR) set to the control folder and output to the log.
pub type Launcher<'a> = dyn FnMut(&TrialLaunch) -> std::io::Result<Child> + 'a;

/// One model's search as it ends.
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    /// The best trial, whose model files are kept.
    pub best: TrialRecord,
    /// How many trials this invocation ran (a resume counts only its own).
    pub trials_run: usize,
    /// Why the search ended.
    pub reason: String,
}

/// The search of `model` in `run`; `records` holds every model's trials (a resume's included) and
/// is saved after each change.
pub struct ModelSearch<'a> {
    /// The tuning job.
    pub job: &'a Job,
    /// The tuning job's run.
    pub run: &'a RunLayout,
    /// The model searched.
    pub model: &'a str,
    /// The search space.
    pub space: Space,
    /// Local folder for control folders and logs.
    pub work: PathBuf,
    /// The host's CPU cores.
    pub cores: usize,
    /// CUDA devices of the host (0: CPU training).
    pub gpus: usize,
}

struct Running {
    trial: u32,
    child: Child,
    started: Instant,
    slot: usize,
    control: PathBuf,
}

impl ModelSearch<'_> {
    fn settings(&self) -> (&crate::settings::TuningSettings, bool, String) {
        let objective = self.job.settings.training_for(self.model).objective_metric;
        (&self.job.settings.tuning, objective.maximize(), objective.to_string())
    }

    /// The most trials this search may run: `max_jobs`, for grid search at most the grid, for
    /// hyperband at most its plan.
    pub fn max_jobs(&self) -> u32 {
        let tuning = &self.job.settings.tuning;
        match (tuning.strategy, self.space.grid_size()) {
            (TuningStrategy::Grid, Some(size)) => tuning.max_jobs.min(size.min(u64::from(u32::MAX)) as u32),
            (TuningStrategy::Hyperband, _) => {
                tuning.max_jobs.min(hyperband_plan::plan_size(self.job.settings.training_for(self.model).epochs))
            }
            _ => tuning.max_jobs,
        }
    }

    /// Runs the search to its end; `trial_ended` sees each trial's record as soon as it is final
    /// (the step shows it in the tracker).
    ///
    /// # Errors
    /// A trial process that cannot be started, storage failures, or no trial with a result.
    pub fn run(
        &self,
        records: &mut Vec<TrialRecord>,
        launch: &mut Launcher<'_>,
        trial_ended: &mut dyn FnMut(&TrialRecord),
    ) -> Result<SearchOutcome> {
        let (tuning, maximize, objective_metric) = self.settings();
        let parallel = tuning.max_parallel_jobs.max(1) as usize;
        let max_jobs = self.max_jobs();
        // Trials a killed job left running are started again with their recorded parameters.
        let mut again: Vec<u32> =
            self.mine(records).filter(|r| r.status == TrialStatus::Running).map(|r| r.trial).collect();
        again.sort_unstable();
        again.reverse();
        let mut proposed = self.mine(records).count() as u32;
        let mut running: Vec<Running> = Vec::new();
        let mut ended: Option<String> = self.finished_reason(records);
        let mut trials_run = 0;
        loop {
            while running.len() < parallel {
                let trial = if let Some(trial) = again.pop() {
                    trial
                } else if ended.is_none() && proposed < max_jobs {
                    let Some(parameters) = self.next_parameters(records, proposed, maximize) else {
                        break;
                    };
                    proposed += 1;
                    records.push(TrialRecord {
                        model: self.model.to_string(),
                        trial: proposed,
                        parameters,
                        status: TrialStatus::Running,
                        objective_metric: objective_metric.clone(),
                        objective: None,
                        best_epoch: None,
                        epochs_run: 0,
                        duration_seconds: 0.0,
                        started: now(),
                        finished: None,
                        job: "local".into(),
                        error: None,
                    });
                    proposed
                } else {
                    break;
                };
                let slot = (0..parallel).find(|s| running.iter().all(|r| r.slot != *s)).expect("a free slot");
                running.push(self.start(records, trial, slot, parallel, maximize, launch)?);
                save_trials(self.job, self.run, records)?;
            }
            if running.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
            trials_run += self.reap(records, &mut running, maximize, &mut ended, trial_ended)?;
        }
        let reason = ended.unwrap_or_else(|| format!("{max_jobs} trials run (max_jobs)"));
        let best = self.best(records, maximize).cloned().ok_or_else(|| Error::ModelContract {
            model: self.model.to_string(),
            problem: format!(
                "no tuning trial produced a result; see the logs in {}",
                self.job.storage.uri(&self.run.tuning_model_dir(self.model))
            ),
        })?;
        Ok(SearchOutcome { best, trials_run, reason })
    }

    /// Records every trial process that has ended, saving the records after each; returns how many
    /// ended. `ended` becomes the reason the search is over, once it is.
    fn reap(
        &self,
        records: &mut [TrialRecord],
        running: &mut Vec<Running>,
        maximize: bool,
        ended: &mut Option<String>,
        trial_ended: &mut dyn FnMut(&TrialRecord),
    ) -> Result<usize> {
        let mut reaped = 0;
        let mut i = 0;
        while i < running.len() {
            let status = running[i].child.try_wait().map_err(|source| Error::Io { path: "trial".into(), source })?;
            let Some(status) = status else {
                i += 1;
                continue;
            };
            let done = running.swap_remove(i);
            self.finish(records, &done, status, maximize)?;
            reaped += 1;
            save_trials(self.job, self.run, records)?;
            if let Some(record) = self.mine(records).find(|r| r.trial == done.trial) {
                trial_ended(record);
            }
            self.refresh_references(records, running, maximize)?;
            if ended.is_none() {
                *ended = self.finished_reason(records);
            }
        }
        Ok(reaped)
    }

    /// The parameters of trial `proposed + 1`, or `None` while hyperband waits for a rung (or
    /// its plan is complete).
    fn next_parameters(
        &self,
        records: &[TrialRecord],
        proposed: u32,
        maximize: bool,
    ) -> Option<BTreeMap<String, String>> {
        let tuning = &self.job.settings.tuning;
        let seed = self.job.settings.experiment.seed;
        if tuning.strategy == TuningStrategy::Hyperband {
            let mut mine: Vec<&TrialRecord> = self.mine(records).collect();
            mine.sort_by_key(|r| r.trial);
            let epochs = self.job.settings.training_for(self.model).epochs;
            return match hyperband_plan::next(&self.space, seed, epochs, &mine, maximize) {
                hyperband_plan::Next::Start(parameters) => Some(parameters),
                hyperband_plan::Next::Wait | hyperband_plan::Next::Done => None,
            };
        }
        let history = self.history(records, maximize);
        let unit = match (proposed + 1, self.baseline()) {
            // The first trial tries the settings as they are, when the space holds them: a search
            // then never ends worse than not searching.
            (1, Some(unit)) => unit,
            _ => propose(tuning.strategy, &self.space, seed, u64::from(proposed), &history),
        };
        Some(self.space.decode(&unit).into_iter().map(|a| (a.name, a.text)).collect())
    }

    /// The unit point of the model's current training settings, when every value lies in the
    /// space (never for grid search, which visits its own points).
    fn baseline(&self) -> Option<Vec<f64>> {
        if self.job.settings.tuning.strategy == TuningStrategy::Grid {
            return None;
        }
        let training = self.job.settings.training_for(self.model);
        let values: BTreeMap<String, String> = self
            .space
            .names()
            .into_iter()
            .map(|name| Some((name.to_string(), training.tunable_value(name)?)))
            .collect::<Option<_>>()?;
        self.space.encode(&values).ok()
    }

    fn mine<'r>(&self, records: &'r [TrialRecord]) -> impl Iterator<Item = &'r TrialRecord> + use<'r, '_> {
        records.iter().filter(move |r| r.model == self.model)
    }

    /// Finished trials with a result, as the strategies see them.
    fn history(&self, records: &[TrialRecord], maximize: bool) -> Vec<Observation> {
        self.mine(records)
            .filter(|r| r.status.is_final())
            .filter_map(|r| {
                let unit = self.space.encode(&r.parameters).ok()?;
                let value = r.objective?;
                Some(Observation { unit, score: if maximize { value } else { -value } })
            })
            .collect()
    }

    fn best<'r>(&self, records: &'r [TrialRecord], maximize: bool) -> Option<&'r TrialRecord> {
        let score = |r: &TrialRecord| r.objective.map(|v| if maximize { v } else { -v });
        self.mine(records).filter(|r| r.status.is_final() && score(r).is_some()).fold(
            None,
            |best: Option<&TrialRecord>, r| match best {
                Some(b) if score(b) >= score(r) => Some(b),
                _ => Some(r),
            },
        )
    }

    /// Why the search is over, if it is: the target reached or too long without improvement.
    fn finished_reason(&self, records: &[TrialRecord]) -> Option<String> {
        let (tuning, maximize, metric) = self.settings();
        let best = self.best(records, maximize)?;
        let value = best.objective?;
        if let Some(target) = tuning.target_objective {
            if (maximize && value >= target) || (!maximize && value <= target) {
                return Some(format!("{metric} = {value:.4} reached target_objective {target}"));
            }
        }
        if let Some(patience) = tuning.max_jobs_without_improvement {
            let mut finished: Vec<&TrialRecord> = self.mine(records).filter(|r| r.status.is_final()).collect();
            finished.sort_by(|a, b| a.finished.cmp(&b.finished).then(a.trial.cmp(&b.trial)));
            let since = finished.iter().rev().take_while(|r| r.trial != best.trial).count() as u32;
            if since >= patience {
                return Some(format!("{since} trials without improvement (max_jobs_without_improvement)"));
            }
        }
        None
    }

    fn start(
        &self,
        records: &[TrialRecord],
        trial: u32,
        slot: usize,
        parallel: usize,
        maximize: bool,
        launch: &mut Launcher<'_>,
    ) -> Result<Running> {
        let record = self.mine(records).find(|r| r.trial == trial).expect("started trials are recorded");
        let control = trial_control::control_dir(&self.work, self.model, trial);
        std::fs::create_dir_all(&control).map_err(|source| Error::Io { path: control.clone(), source })?;
        let _ = std::fs::remove_file(TrialControl::stopped_marker(&control));
        let early = self.job.settings.tuning.early_stopping == TuningEarlyStopping::Auto;
        let reference = Reference { maximize, earlier: if early { self.earlier_curves(records)? } else { Vec::new() } };
        TrialControl::write_reference(&control, &reference)?;
        let mut overrides: Vec<String> =
            record.parameters.iter().map(|(key, value)| format!("training.{}.{key}={value}", self.model)).collect();
        let training = self.job.settings.training_for(self.model);
        if training.num_threads == 0 && self.gpus == 0 {
            // Parallel trials share the cores instead of each taking all of them.
            overrides.push(format!("training.num_threads={}", (self.cores / parallel).max(1)));
        }
        let launch_spec = TrialLaunch {
            run: self.run.num(),
            model: self.model.to_string(),
            trial,
            overrides,
            control_dir: control.clone(),
            log: trial_control::log(&control),
            gpu: (self.gpus > 0).then(|| slot % self.gpus),
        };
        let child =
            launch(&launch_spec).map_err(|source| Error::Io { path: "runner (trial process)".into(), source })?;
        let params: Vec<String> = record.parameters.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!("tune: {} trial {trial}/{} started: {}", self.model, self.max_jobs(), params.join(", "));
        Ok(Running { trial, child, started: Instant::now(), slot, control })
    }

    /// The per-epoch objective of every finished trial with a result (for the median rule).
    fn earlier_curves(&self, records: &[TrialRecord]) -> Result<Vec<Vec<f64>>> {
        let mut curves = Vec::new();
        for record in self.mine(records).filter(|r| r.status.is_final() && r.objective.is_some()) {
            let trial = self.run.trial(self.model, record.trial)?;
            let key = trial.metrics(self.model)?;
            if self.job.storage.exists(&key)? {
                let text = String::from_utf8_lossy(&self.job.storage.get(&key)?).into_owned();
                curves.push(per_epoch(&text, &record.objective_metric));
            }
        }
        Ok(curves)
    }

    fn refresh_references(&self, records: &[TrialRecord], running: &[Running], maximize: bool) -> Result<()> {
        if running.is_empty() || self.job.settings.tuning.early_stopping != TuningEarlyStopping::Auto {
            return Ok(());
        }
        let reference = Reference { maximize, earlier: self.earlier_curves(records)? };
        for trial in running {
            TrialControl::write_reference(&trial.control, &reference)?;
        }
        Ok(())
    }

    /// Records a trial that ended, keeps its log, and prunes whichever of it and the best so far
    /// lost.
    fn finish(
        &self,
        records: &mut [TrialRecord],
        done: &Running,
        status: std::process::ExitStatus,
        maximize: bool,
    ) -> Result<()> {
        let previous_best = self.best(records, maximize).map(|r| r.trial);
        let trial_layout = self.run.trial(self.model, done.trial)?;
        let log_path = trial_control::log(&done.control);
        if log_path.exists() {
            self.job.storage.put_file(&trial_layout.trial_log(), &log_path)?;
        }
        let stats_key = trial_layout.statistics(self.model)?;
        let outcome: Option<ModelOutcome> = if status.success() && self.job.storage.exists(&stats_key)? {
            let text = self.job.storage.get(&stats_key)?;
            Some(serde_json::from_slice(&text).map_err(|err| Error::data_file(self.job.storage.uri(&stats_key), err))?)
        } else {
            None
        };
        let stopped = TrialControl::stopped_marker(&done.control).exists();
        let record = records
            .iter_mut()
            .find(|r| r.model == self.model && r.trial == done.trial)
            .expect("running trials are recorded");
        record.duration_seconds += done.started.elapsed().as_secs_f64();
        record.finished = Some(now());
        match &outcome {
            Some(outcome) => {
                record.status = if stopped { TrialStatus::Stopped } else { TrialStatus::Completed };
                record.objective = Some(outcome.best_value);
                record.best_epoch = Some(outcome.best_epoch);
                record.epochs_run = outcome.epochs_run;
            }
            None => {
                record.status = TrialStatus::Failed;
                record.error = Some(last_error_line(&log_path).unwrap_or_else(|| describe(status)));
            }
        }
        let record = record.clone();
        let new_best = self.best(records, maximize).map(|r| r.trial);
        if new_best == Some(record.trial) && previous_best != Some(record.trial) {
            if let Some(beaten) = previous_best {
                prune_trial(self.job, &self.run.trial(self.model, beaten)?, self.model)?;
            }
        } else if new_best != Some(record.trial) {
            prune_trial(self.job, &trial_layout, self.model)?;
        }
        let verdict = match (record.status, record.objective) {
            (TrialStatus::Failed, _) => format!("failed: {}", record.error.clone().unwrap_or_default()),
            (status, Some(value)) => {
                let best = self.best(records, maximize).expect("this trial has a result");
                let stopped = if status == TrialStatus::Stopped { ", stopped early" } else { "" };
                format!(
                    "{} = {value:.4}{stopped} (best {:.4}, trial {})",
                    record.objective_metric,
                    best.objective.unwrap_or(value),
                    best.trial
                )
            }
            (_, None) => "no result".into(),
        };
        println!("tune: {} trial {} {verdict}, {:.1} s", self.model, record.trial, record.duration_seconds);
        Ok(())
    }
}

/// The last line of a trial's log that says `error`, for the record of a failed trial.
fn last_error_line(log: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    text.lines().rev().find(|line| line.contains("error")).map(|line| line.trim().to_string())
}

fn describe(status: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("the trial process exited with status {code}"),
        (None, Some(signal)) => format!("the trial process was killed by signal {signal}"),
        _ => "the trial process failed".into(),
    }
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
