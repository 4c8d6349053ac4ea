//! [`Progress`]: the [`Console`] as a hook, showing one model's training as it goes (a progress
//! bar on a terminal, `[metric]` lines elsewhere).

use super::console::Console;
use super::hooks::Hooks;
use super::metric_log::MetricPoint;
use super::state::TrainState;
use crate::Result;

/// Shows the metric points of `model`'s training on the console.
pub struct Progress {
    model: String,
    console: Console,
}

impl Progress {
    /// The progress of `model` on this process's console ([`Console::detect`]).
    pub fn new(model: &str) -> Self {
        Self { model: model.to_string(), console: Console::detect() }
    }
}

impl Hooks for Progress {
    fn begin(&mut self, total_steps: u64, epochs: u64, samples_per_step: u64, state: &TrainState) {
        self.console.begin(&self.model, total_steps, epochs, samples_per_step, state.step);
    }

    fn metric(&mut self, point: &MetricPoint) -> Result<()> {
        self.console.metric(point);
        Ok(())
    }

    fn end(&mut self) {
        self.console.end();
    }
}
