//! The tuning plot of one model: the objective of every trial in trial order and the best value
//! so far, `runs/<n>/tuning/<model>/objective.png`, which the report embeds.

use super::record::TrialRecord;
use crate::plot::{line_chart, PlotError, Series};
use std::path::Path;

/// Draws the plot of `records` (one model's trials) to `path`; `maximize` says which way is better.
///
/// # Errors
/// Rendering or file errors.
pub fn tuning_plot(path: &Path, model: &str, records: &[TrialRecord], maximize: bool) -> Result<(), PlotError> {
    let mut trials: Vec<&TrialRecord> = records.iter().filter(|r| r.objective.is_some()).collect();
    trials.sort_by_key(|r| r.trial);
    let objective: Vec<(f64, f64)> =
        trials.iter().map(|r| (f64::from(r.trial), r.objective.expect("filtered on objectives"))).collect();
    let mut best: Option<f64> = None;
    let best_so_far: Vec<(f64, f64)> = objective
        .iter()
        .map(|&(trial, value)| {
            let better = best.is_none_or(|b| if maximize { value > b } else { value < b });
            if better {
                best = Some(value);
            }
            (trial, best.expect("set above"))
        })
        .collect();
    let metric = records.first().map_or("objective", |r| r.objective_metric.as_str());
    line_chart(
        path,
        &format!("{model}: tuning, {metric} per trial"),
        "trial",
        metric,
        &[
            Series { name: "trial".into(), points: objective },
            Series { name: "best so far".into(), points: best_so_far },
        ],
    )
}
