//! [`Step`]: the pipeline's steps as the domain knows them (the runner's command line has its own
//! enum, with `all`, and maps onto this one), and [`plan_steps`], which turns a request into the
//! steps to run, in pipeline order.

use crate::{Error, Result};

/// One step of the pipeline; the order of the variants is the order they run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// The plugin's `reconcile`: raw data → the labelled records snapshot.
    Reconcile,
    /// The plugin's `prepare`: records → the model inputs of every model.
    Prepare,
    /// Train every model once into a new run.
    Train,
    /// Search `[tuning]`'s space, each trial a process, keeping the best trial's model.
    Tune,
    /// Evaluate a run's exported models on the test split and write the report.
    Infer,
}

impl Step {
    /// The step's name on the command line and in messages (`reconcile`, …).
    pub fn name(self) -> &'static str {
        match self {
            Step::Reconcile => "reconcile",
            Step::Prepare => "prepare",
            Step::Train => "train",
            Step::Tune => "tune",
            Step::Infer => "infer",
        }
    }
}

/// The steps to run for `requested` (empty: all of them, with `tune` instead of `train` when
/// `tuning`), sorted into pipeline order without repeats.
///
/// # Errors
///
/// [`Error::Unsupported`] when both `train` and `tune` are asked for (each makes a run).
pub fn plan_steps(requested: &[Step], tuning: bool) -> Result<Vec<Step>> {
    // A job with a search space tunes where a plain job trains.
    let fit = if tuning { Step::Tune } else { Step::Train };
    let mut steps = match requested.is_empty() {
        true => vec![Step::Reconcile, Step::Prepare, fit, Step::Infer],
        false => requested.to_vec(),
    };
    steps.sort();
    steps.dedup();
    if steps.contains(&Step::Train) && steps.contains(&Step::Tune) {
        return Err(Error::Unsupported {
            what: "steps `train` and `tune` both make a run: ask for one of them".into(),
        });
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_steps_means_all_with_tune_for_a_search_space() {
        let all = [Step::Reconcile, Step::Prepare, Step::Train, Step::Infer];
        assert_eq!(plan_steps(&[], false).unwrap(), all);
        assert_eq!(plan_steps(&[], true).unwrap()[2], Step::Tune);
    }

    #[test]
    fn steps_run_in_pipeline_order_once() {
        let planned = plan_steps(&[Step::Infer, Step::Prepare, Step::Infer], false).unwrap();
        assert_eq!(planned, [Step::Prepare, Step::Infer]);
    }

    #[test]
    fn train_and_tune_together_are_refused() {
        assert!(plan_steps(&[Step::Train, Step::Tune], false).is_err());
    }
}
