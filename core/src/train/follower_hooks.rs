//! The trainer's policy on replicas other than rank 0 in data-parallel training: nothing. Rank 0
//! alone logs metrics, keeps the best model and writes checkpoints, and every replica holds the
//! same parameters, so the others have nothing to add.

use super::optim::AdamW;
use super::state::TrainState;
use super::trainer::Hooks;
use crate::train::metric_log::MetricPoint;
use crate::Result;
use mlpipe_plugin_api::Model;

/// Hooks that ignore every event.
pub struct FollowerHooks;

impl Hooks for FollowerHooks {
    fn metric(&mut self, _point: MetricPoint) -> Result<()> {
        Ok(())
    }

    fn best(&mut self, _model: &mut dyn Model, _state: &TrainState) -> Result<()> {
        Ok(())
    }

    fn checkpoint(&mut self, _model: &mut dyn Model, _optim: &AdamW, _state: &TrainState) -> Result<()> {
        Ok(())
    }

    fn last_checkpoint(&self) -> String {
        "rank 0 keeps the checkpoints".into()
    }
}
