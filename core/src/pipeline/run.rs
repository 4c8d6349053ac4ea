//! [`run_invocation`]: one request from start to end, whatever the backend — load the settings,
//! train a tuning trial when asked to, plan and check the steps, open the experiment and the
//! plugin, then let the backend the runner picks run the steps.

use std::sync::Arc;

use super::backend::Backend;
use super::invocation::Invocation;
use super::say::Say;
use super::step::{plan_steps, Step};
use super::trials::TrialRef;
use crate::job::{Job, Remote};
use crate::plugin::Plugin;
use crate::settings::Settings;
use crate::steps;
use crate::tune::control::TrialControl;
use crate::{Error, Result};

/// The runner's choice of backend for the loaded settings (`[training] backend`).
pub type PickBackend<'a> = dyn Fn(&Settings) -> Box<dyn Backend> + 'a;

/// Runs one request; returns the run that `train` or `tune` made or continued (on the process
/// that knows it: single process, launcher of host 0, or rank 0). `remote` opens an `s3://`
/// experiment root; `pick` chooses the backend once the settings are known; `say` gets the
/// summary lines to print.
///
/// # Errors
///
/// Bad settings, a request that contradicts itself, a plugin that cannot be loaded, or a failing
/// step.
pub fn run_invocation(
    invocation: &Invocation,
    remote: Arc<dyn Remote>,
    pick: &PickBackend,
    say: &Say,
) -> Result<Option<u64>> {
    let settings = Settings::load(&invocation.settings, &invocation.overrides)?;
    if let Some(trial) = &invocation.trial {
        return train_trial(invocation, settings, remote, &TrialRef::parse(trial)?, say).map(|()| None);
    }
    let steps = plan_steps(&invocation.steps, settings.is_tuning())?;
    let fits = steps.contains(&Step::Train) || steps.contains(&Step::Tune);
    if invocation.resume.is_some() && !fits {
        return Err(Error::Unsupported { what: "--resume applies to the train and tune steps".into() });
    }
    let job = Job::open_with(settings, remote)?;
    let plugin = Plugin::open(&invocation.plugin, &job.settings)?;
    if invocation.run.is_some() && !steps.contains(&Step::Infer) {
        return Err(Error::Unsupported { what: "--run applies to the infer step".into() });
    }
    pick(&job.settings).run_steps(invocation, &job, &plugin, &steps, say)
}

/// Trains one trial of a tuning job in this process (started by the tuner, see
/// [`launch_trial`](super::launch_trial)).
fn train_trial(
    invocation: &Invocation,
    settings: Settings,
    remote: Arc<dyn Remote>,
    trial: &TrialRef,
    say: &Say,
) -> Result<()> {
    let job = Job::open_with(settings, remote)?;
    let plugin = Plugin::open(&invocation.plugin, &job.settings)?;
    let layout = job.layout.run(trial.run).trial(&trial.model, trial.trial)?;
    steps::train_trial(&job, &plugin, &layout, &trial.model, TrialControl::from_env())?;
    say(&format!("train: trial {} of {} finished: {}", trial.trial, trial.model, job.storage.uri(&layout.prefix())));
    Ok(())
}
