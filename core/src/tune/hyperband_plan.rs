//! Hyperband on the local tuner: the trials of [`hyperband_brackets`] in order, each trial one
//! configuration trained from scratch for its rung's epochs (`epochs` joins its parameters).
//! Rung 0 of a bracket draws random configurations; every later rung waits for the one before
//! and takes its best `configs` ([`promote`]). The plan is a pure function of the seed and the
//! recorded trials, so a resumed job continues it where it stopped.

use super::record::TrialRecord;
use super::search::{hyperband_brackets, promote, propose, Space};
use crate::settings::TuningStrategy;
use std::collections::BTreeMap;

/// Successive halving's reduction factor (SageMaker's and the paper's default).
pub const ETA: u32 = 3;

/// What the plan wants next.
#[derive(Debug, Clone, PartialEq)]
pub enum Next {
    /// Start a trial with these parameters (the searched keys and `epochs`).
    Start(BTreeMap<String, String>),
    /// A rung is still running; its results decide the next trials.
    Wait,
    /// Every trial of the plan has been started.
    Done,
}

/// The number of trials of the whole plan for `max_epochs`.
pub fn plan_size(max_epochs: u32) -> u32 {
    hyperband_brackets(max_epochs, ETA).iter().flat_map(|b| &b.rungs).map(|r| r.configs).sum()
}

/// The next trial after `trials` (one model's, in trial order); `maximize` orients objectives.
pub fn next(space: &Space, seed: u64, max_epochs: u32, trials: &[&TrialRecord], maximize: bool) -> Next {
    let mut slot = 0usize;
    let mut drawn = 0u64;
    for bracket in hyperband_brackets(max_epochs, ETA) {
        let mut previous: Vec<&TrialRecord> = Vec::new();
        for (i, rung) in bracket.rungs.iter().enumerate() {
            let configs: Vec<BTreeMap<String, String>> = if i == 0 {
                (0..rung.configs)
                    .map(|_| {
                        let unit = propose(TuningStrategy::Random, space, seed, drawn, &[]);
                        drawn += 1;
                        space.decode(&unit).into_iter().map(|a| (a.name, a.text)).collect()
                    })
                    .collect()
            } else {
                if previous.iter().any(|r| !r.status.is_final()) {
                    return Next::Wait;
                }
                let scores: Vec<(u32, f64)> = previous
                    .iter()
                    .filter_map(|r| r.objective.map(|v| (r.trial, if maximize { v } else { -v })))
                    .collect();
                promote(&scores, rung.configs)
                    .into_iter()
                    .filter_map(|trial| previous.iter().find(|r| r.trial == trial))
                    .map(|r| {
                        r.parameters
                            .iter()
                            .filter(|(k, _)| *k != "epochs")
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .collect()
            };
            let mut this_rung = Vec::new();
            for mut parameters in configs {
                if let Some(record) = trials.get(slot) {
                    this_rung.push(*record);
                    slot += 1;
                    continue;
                }
                parameters.insert("epochs".to_string(), rung.epochs.to_string());
                return Next::Start(parameters);
            }
            previous = this_rung;
        }
    }
    Next::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{Scaling, SearchSpace};
    use crate::tune::record::TrialStatus;

    fn space() -> Space {
        Space::new(vec![(
            "learning_rate".to_string(),
            SearchSpace::Continuous { min: 1e-3, max: 1e-1, scaling: Scaling::Log },
        )])
    }

    fn record(trial: u32, parameters: &BTreeMap<String, String>, objective: Option<f64>) -> TrialRecord {
        TrialRecord {
            model: "m".into(),
            trial,
            parameters: parameters.clone(),
            status: if objective.is_some() { TrialStatus::Completed } else { TrialStatus::Running },
            objective_metric: "validation:loss".into(),
            objective,
            best_epoch: None,
            epochs_run: 0,
            duration_seconds: 0.0,
            started: String::new(),
            finished: None,
            job: "local".into(),
            error: None,
        }
    }

    #[test]
    fn three_epochs_run_three_short_trials_then_the_best_one_long_then_two_long_ones() {
        // R = 3, eta = 3: bracket 1 = 3 configs at 1 epoch, the best at 3; bracket 0 = 2 at 3.
        assert_eq!(plan_size(3), 6);
        let space = space();
        let mut done: Vec<TrialRecord> = Vec::new();
        // Losses: trial 2 is best of the first rung.
        let losses = [0.9, 0.3, 0.7, 0.2, 0.5, 0.4];
        for (i, loss) in losses.iter().enumerate() {
            let refs: Vec<&TrialRecord> = done.iter().collect();
            let Next::Start(parameters) = next(&space, 7, 3, &refs, false) else { panic!("trial {}", i + 1) };
            let epochs = &parameters["epochs"];
            assert_eq!(epochs, ["1", "1", "1", "3", "3", "3"][i], "trial {}", i + 1);
            if i == 3 {
                // The promoted configuration is trial 2's, retrained for 3 epochs.
                assert_eq!(parameters["learning_rate"], done[1].parameters["learning_rate"]);
            }
            // Rung 1 waits while rung 0 runs.
            if i == 3 {
                let mut running = done.clone();
                running[2].status = TrialStatus::Running;
                let refs: Vec<&TrialRecord> = running.iter().collect();
                assert_eq!(next(&space, 7, 3, &refs, false), Next::Wait);
            }
            done.push(record(i as u32 + 1, &parameters, Some(*loss)));
        }
        let refs: Vec<&TrialRecord> = done.iter().collect();
        assert_eq!(next(&space, 7, 3, &refs, false), Next::Done);
    }
}
