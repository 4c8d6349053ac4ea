//! [`TrialPruner`]: a tuning trial's side of the tuner's early stopping, as a training hook. It
//! keeps the trial's objective per epoch from the metric points it sees and, at every epoch end,
//! asks the trial's [`TrialControl`] (SageMaker's median rule against earlier trials) whether to
//! stop.

use super::control::TrialControl;
use super::store::last_per_epoch;
use crate::train::hooks::{Decision, Hooks};
use crate::train::metric_log::MetricPoint;
use crate::train::state::TrainState;
use crate::Result;

/// Stops a trial that the tuner's median rule finds worse than the trials before it.
pub struct TrialPruner {
    control: TrialControl,
    model: String,
    /// The objective's metric name, e.g. `validation:macro_f1`.
    objective: String,
    /// The objective's points so far, `(epoch, value)`.
    points: Vec<(u64, f64)>,
}

impl TrialPruner {
    /// The pruner of `model`'s trial, judged on `objective` (a metric name) through `control`.
    pub fn new(control: TrialControl, model: &str, objective: String) -> Self {
        Self { control, model: model.to_string(), objective, points: Vec::new() }
    }
}

impl Hooks for TrialPruner {
    fn metric(&mut self, point: &MetricPoint) -> Result<()> {
        if point.name == self.objective {
            self.points.push((point.epoch, point.value));
        }
        Ok(())
    }

    fn epoch_end(&mut self, state: &TrainState) -> Decision {
        // The objective's value at each epoch: its last evaluation in that epoch.
        let per_epoch = last_per_epoch(self.points.iter().copied());
        if per_epoch.is_empty() || !self.control.should_stop(&per_epoch) {
            return Decision::Continue;
        }
        tracing::info!("{}: stopped after epoch {} at the tuner's request", self.model, state.epoch);
        Decision::Stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::control::Reference;

    fn point(epoch: u64, name: &str, value: f64) -> MetricPoint {
        MetricPoint { epoch, step: epoch * 10, name: name.into(), value }
    }

    #[test]
    fn a_trial_below_the_earlier_median_is_stopped_at_the_epoch_end() {
        let dir = tempfile::tempdir().unwrap();
        let earlier = vec![vec![0.5], vec![0.6], vec![0.7]];
        TrialControl::write_reference(dir.path(), &Reference { maximize: true, earlier }).unwrap();
        let control = TrialControl { dir: dir.path().to_path_buf() };
        let mut pruner = TrialPruner::new(control, "m", "validation:macro_f1".into());
        let state = TrainState { epoch: 1, ..TrainState::default() };
        assert_eq!(pruner.epoch_end(&state), Decision::Continue, "no objective yet");
        pruner.metric(&point(1, "validation:loss", 0.1)).unwrap();
        pruner.metric(&point(1, "validation:macro_f1", 0.4)).unwrap();
        assert_eq!(pruner.epoch_end(&state), Decision::Stop);
        assert!(TrialControl::stopped_marker(dir.path()).exists());
    }
}
