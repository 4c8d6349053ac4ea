//! SageMaker's median stopping rule: stop a trial whose objective at the current epoch falls below
//! the median of what earlier trials had averaged by the same epoch.

/// Whether the median rule stops a trial after its latest epoch.
///
/// `current` holds this trial's objective per epoch so far and `earlier` the per-epoch objectives
/// of earlier trials, all oriented so that higher is better. With `e = current.len()`, every
/// earlier trial that reached epoch `e` contributes its running average (the mean of its first `e`
/// values). The trial stops when at least `min_earlier` (and at least one) such averages exist and
/// `current[e - 1]` is strictly below their median (the mean of the two middle values for an even
/// count). Shorter earlier trials, averages that are not finite and a NaN current value never
/// count towards stopping; an empty `current` never stops.
pub fn median_rule_stops(current: &[f64], earlier: &[Vec<f64>], min_earlier: usize) -> bool {
    let Some(&latest) = current.last() else { return false };
    let epochs = current.len();
    let mut averages: Vec<f64> = earlier
        .iter()
        .filter(|trial| trial.len() >= epochs)
        .map(|trial| trial[..epochs].iter().sum::<f64>() / epochs as f64)
        .filter(|average| average.is_finite())
        .collect();
    if averages.is_empty() || averages.len() < min_earlier {
        return false;
    }
    averages.sort_by(f64::total_cmp);
    let middle = averages.len() / 2;
    let median =
        if averages.len() % 2 == 1 { averages[middle] } else { (averages[middle - 1] + averages[middle]) / 2.0 };
    latest < median
}

#[cfg(test)]
mod tests {
    use super::*;

    // Values are multiples of 1/8 where a test compares with a median exactly, so that the ties
    // are exact in binary.
    fn earlier() -> Vec<Vec<f64>> {
        // Running averages at epoch 2: 0.5, 0.75, 1.25 (median 0.75); at epoch 3: 2/3 and 1.5.
        vec![vec![0.25, 0.75, 1.0], vec![0.5, 1.0], vec![1.0, 1.5, 2.0]]
    }

    #[test]
    fn below_the_median_stops() {
        assert!(median_rule_stops(&[2.0, 0.625], &earlier(), 3));
    }

    #[test]
    fn ties_and_above_the_median_continue() {
        assert!(!median_rule_stops(&[0.0, 0.75], &earlier(), 3));
        assert!(!median_rule_stops(&[0.0, 0.875], &earlier(), 3));
    }

    #[test]
    fn too_few_earlier_trials_do_not_stop() {
        assert!(!median_rule_stops(&[0.0, 0.125], &earlier(), 4));
        assert!(!median_rule_stops(&[0.0], &[], 0));
    }

    #[test]
    fn even_count_median_is_the_mean_of_the_middle_two() {
        // Averages at epoch 1: 0.25, 0.5, 1.0, 1.5: median (0.5 + 1.0) / 2 = 0.75.
        let earlier = vec![vec![1.5], vec![0.25], vec![1.0], vec![0.5]];
        assert!(median_rule_stops(&[0.625], &earlier, 2));
        assert!(!median_rule_stops(&[0.75], &earlier, 2));
    }

    #[test]
    fn trials_shorter_than_the_current_epoch_are_ignored() {
        // At epoch 3 only the first and third earlier trials count: averages 2/3 and 1.5, median
        // 13/12 (1.083...).
        assert!(median_rule_stops(&[2.0, 2.0, 1.0], &earlier(), 2));
        assert!(!median_rule_stops(&[2.0, 2.0, 1.125], &earlier(), 2));
        assert!(!median_rule_stops(&[2.0, 2.0, 1.0], &earlier(), 3));
    }

    #[test]
    fn uses_the_running_average_not_the_latest_value() {
        // The latest values at epoch 2 are 0.75, 1.0, 1.5 (median 1.0), but the averages' median
        // is 0.75.
        assert!(!median_rule_stops(&[0.0, 0.875], &earlier(), 3));
    }

    #[test]
    fn empty_current_never_stops() {
        assert!(!median_rule_stops(&[], &earlier(), 0));
    }
}
