//! [`EarlyStopping`]: `[training] early_stopping_patience` as a policy. The loop counts the
//! evaluations that did not improve the objective (in its state, so a resume counts on exactly);
//! this hook decides when that count means stop. Every replica runs it, so they stop together.

use super::config::TrainConfig;
use super::hooks::{Decision, Hooks};
use super::state::TrainState;

/// Stops training after `patience` evaluations without improvement (never when 0).
pub struct EarlyStopping {
    patience: u32,
    model_name: String,
    objective: String,
}

impl EarlyStopping {
    /// Early stopping as `config` asks for it.
    pub fn new(config: &TrainConfig) -> Self {
        Self { patience: config.patience, model_name: config.model_name.clone(), objective: config.objective_name() }
    }
}

impl Hooks for EarlyStopping {
    fn evaluated(&mut self, state: &TrainState) -> Decision {
        if self.patience == 0 || state.evals_without_improvement < self.patience {
            return Decision::Continue;
        }
        tracing::info!(
            "{}: no improvement of {} for {} evaluations, stopping early",
            self.model_name,
            self.objective,
            state.evals_without_improvement
        );
        Decision::Stop
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stopping(patience: u32) -> EarlyStopping {
        EarlyStopping { patience, model_name: "m".into(), objective: "validation:loss".into() }
    }

    fn after(misses: u32) -> TrainState {
        TrainState { evals_without_improvement: misses, ..TrainState::default() }
    }

    #[test]
    fn stops_once_patience_evaluations_missed() {
        let mut hook = stopping(2);
        assert_eq!(hook.evaluated(&after(1)), Decision::Continue);
        assert_eq!(hook.evaluated(&after(2)), Decision::Stop);
    }

    #[test]
    fn zero_patience_never_stops() {
        assert_eq!(stopping(0).evaluated(&after(100)), Decision::Continue);
    }
}
