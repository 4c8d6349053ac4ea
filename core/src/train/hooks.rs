//! [`Hooks`]: what the training loop reports, and the one decision it takes back. The loop is
//! mechanism: it emits events (training begins, a metric, a new best model, an evaluation, an
//! epoch end, a consistent point to checkpoint) and obeys a returned [`Decision`]. Each policy —
//! the console, the metrics file, the checkpoint keeper, early stopping, a tuner's trial pruner,
//! live tracking — is one small implementation, and a [`HookSet`] composes them in order, the way
//! burn separates its learner from its checkpoint strategies.

use super::metric_log::MetricPoint;
use super::optim::AdamW;
use super::state::TrainState;
use crate::Result;
use mlpipe_plugin_api::Model;

/// What a hook asks of the loop after an evaluation or an epoch end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Decision {
    /// Go on training.
    Continue,
    /// Stop after this epoch (the state records it as stopped early).
    Stop,
}

/// One policy reacting to the loop's events. Every method has a do-nothing default, so a hook
/// implements only the events it cares about.
pub trait Hooks {
    /// Training starts (or resumes from `state`): `total_steps` optimiser steps over `epochs`
    /// epochs of `samples_per_step` records.
    fn begin(&mut self, _total_steps: u64, _epochs: u64, _samples_per_step: u64, _state: &TrainState) {}

    /// A metric value (print it, log it, track it).
    ///
    /// # Errors
    /// Stops training.
    fn metric(&mut self, _point: &MetricPoint) -> Result<()> {
        Ok(())
    }

    /// The objective improved: `model` is the new best (`state.best` says where).
    ///
    /// # Errors
    /// Stops training.
    fn best(&mut self, _model: &mut dyn Model, _state: &TrainState) -> Result<()> {
        Ok(())
    }

    /// An evaluation was weighed against the best so far (`state.evals_without_improvement`
    /// counts those that did not improve): whether training should stop.
    fn evaluated(&mut self, _state: &TrainState) -> Decision {
        Decision::Continue
    }

    /// An epoch ended, after validation, and more epochs would follow: whether something outside
    /// the loop (a tuner's trial pruning) wants training to stop now.
    fn epoch_end(&mut self, _state: &TrainState) -> Decision {
        Decision::Continue
    }

    /// A consistent point to checkpoint: an epoch ended (`state` points at the next one), or
    /// `checkpoint_every_steps` steps passed (`state.batch` batches of the epoch are done).
    ///
    /// # Errors
    /// Stops training.
    fn checkpoint(&mut self, _model: &mut dyn Model, _optim: &AdamW, _state: &TrainState) -> Result<()> {
        Ok(())
    }

    /// The loss became NaN or infinite: a phrase saying where the last good checkpoint is, from
    /// the hook that keeps checkpoints.
    fn last_checkpoint(&self) -> Option<String> {
        None
    }

    /// Training ended normally: release what the hook holds (a progress bar, a tracker).
    fn end(&mut self) {}
}

/// Hooks composed in order: every event goes to each of them; the loop stops when any asks to.
#[derive(Default)]
pub struct HookSet<'a> {
    hooks: Vec<&'a mut dyn Hooks>,
}

impl<'a> HookSet<'a> {
    /// An empty set.
    pub fn new() -> Self {
        Self { hooks: Vec::new() }
    }

    /// Adds `hook` after those already in the set.
    pub fn push(&mut self, hook: &'a mut dyn Hooks) {
        self.hooks.push(hook);
    }

    /// Asks every hook (none is skipped) and stops if any says so.
    fn decide(&mut self, mut ask: impl FnMut(&mut dyn Hooks) -> Decision) -> Decision {
        let mut decision = Decision::Continue;
        for hook in &mut self.hooks {
            if ask(&mut **hook) == Decision::Stop {
                decision = Decision::Stop;
            }
        }
        decision
    }
}

impl Hooks for HookSet<'_> {
    fn begin(&mut self, total_steps: u64, epochs: u64, samples_per_step: u64, state: &TrainState) {
        for hook in &mut self.hooks {
            hook.begin(total_steps, epochs, samples_per_step, state);
        }
    }

    fn metric(&mut self, point: &MetricPoint) -> Result<()> {
        self.hooks.iter_mut().try_for_each(|hook| hook.metric(point))
    }

    fn best(&mut self, model: &mut dyn Model, state: &TrainState) -> Result<()> {
        self.hooks.iter_mut().try_for_each(|hook| hook.best(model, state))
    }

    fn evaluated(&mut self, state: &TrainState) -> Decision {
        self.decide(|hook| hook.evaluated(state))
    }

    fn epoch_end(&mut self, state: &TrainState) -> Decision {
        self.decide(|hook| hook.epoch_end(state))
    }

    fn checkpoint(&mut self, model: &mut dyn Model, optim: &AdamW, state: &TrainState) -> Result<()> {
        self.hooks.iter_mut().try_for_each(|hook| hook.checkpoint(model, optim, state))
    }

    fn last_checkpoint(&self) -> Option<String> {
        self.hooks.iter().find_map(|hook| hook.last_checkpoint())
    }

    fn end(&mut self) {
        for hook in &mut self.hooks {
            hook.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the evaluations it sees and asks to stop from the `stop_at`-th on.
    struct Counter {
        seen: u32,
        stop_at: u32,
    }

    impl Hooks for Counter {
        fn evaluated(&mut self, _state: &TrainState) -> Decision {
            self.seen += 1;
            if self.seen >= self.stop_at {
                Decision::Stop
            } else {
                Decision::Continue
            }
        }
    }

    #[test]
    fn every_hook_hears_every_event_and_any_one_stops_the_loop() {
        let (mut first, mut second) = (Counter { seen: 0, stop_at: 1 }, Counter { seen: 0, stop_at: 99 });
        let mut set = HookSet::new();
        set.push(&mut first);
        set.push(&mut second);
        let state = TrainState::default();
        assert_eq!(set.evaluated(&state), Decision::Stop);
        assert_eq!(set.epoch_end(&state), Decision::Continue);
        assert_eq!(set.last_checkpoint(), None);
        drop(set);
        assert_eq!((first.seen, second.seen), (1, 1), "the stopping hook does not hide the event");
    }
}
