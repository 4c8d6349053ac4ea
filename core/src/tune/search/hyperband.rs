//! The Hyperband schedule (Li et al., "Hyperband: A Novel Bandit-Based Approach to Hyperparameter
//! Optimization", JMLR 2018): brackets of successive halving that trade many short trials against
//! few long ones, and the promotion of the best trials from one rung to the next.

/// One round of successive halving: how many configurations train for how many epochs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// Configurations trained in this rung.
    pub configs: u32,
    /// Epochs each of them has trained by the end of the rung.
    pub epochs: u32,
}

/// One bracket: successive halving from many configurations to one, rung by rung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bracket {
    /// The rungs, first (most configurations, fewest epochs) to last (`max_epochs`).
    pub rungs: Vec<Rung>,
}

/// The brackets of Hyperband with a budget of `max_epochs` per configuration and reduction factor
/// `eta`, most exploratory first (bracket `s = s_max` down to `0`).
///
/// With `s_max = floor(log_eta(max_epochs))`, bracket `s` starts `n = ceil((s_max + 1) / (s + 1) *
/// eta^s)` configurations at `max_epochs * eta^-s` epochs; each rung keeps `floor(n_i / eta)` of
/// them (at least 1) for `eta` times the epochs. Epochs are rounded to integers of at least 1 and
/// the last rung always trains `max_epochs`. An `eta` below 2 is taken as 2 and `max_epochs` 0 as 1
/// (the schedule is undefined for them).
pub fn hyperband_brackets(max_epochs: u32, eta: u32) -> Vec<Bracket> {
    let (max_epochs, eta) = (max_epochs.max(1), u64::from(eta.max(2)));
    let mut s_max = 0u32;
    while eta.pow(s_max + 1) <= u64::from(max_epochs) {
        s_max += 1;
    }
    (0..=s_max)
        .rev()
        .map(|s| {
            // ceil((s_max + 1) eta^s / (s + 1)) in integers; eta^s <= max_epochs, so no overflow.
            let numerator = u64::from(s_max + 1) * eta.pow(s);
            let mut configs = numerator.div_ceil(u64::from(s) + 1);
            let rungs = (0..=s)
                .map(|i| {
                    let rung_configs = configs;
                    configs = (configs / eta).max(1);
                    let epochs = if i == s {
                        max_epochs
                    } else {
                        let exact = f64::from(max_epochs) / (eta as f64).powi((s - i) as i32);
                        (exact.round() as u32).max(1)
                    };
                    Rung { configs: u32::try_from(rung_configs).unwrap_or(u32::MAX), epochs }
                })
                .collect();
            Bracket { rungs }
        })
        .collect()
}

/// The trials promoted to the next rung: the `keep` highest scores (higher is better), ties broken
/// by the lower trial id, best first. NaN scores rank last.
pub fn promote(scores: &[(u32, f64)], keep: u32) -> Vec<u32> {
    let mut ranked: Vec<(u32, f64)> = scores.to_vec();
    ranked.sort_by(|(a_id, a), (b_id, b)| {
        let by_score = match (a.is_nan(), b.is_nan()) {
            (false, false) => b.total_cmp(a),
            (a_nan, b_nan) => a_nan.cmp(&b_nan),
        };
        by_score.then(a_id.cmp(b_id))
    });
    ranked.into_iter().take(keep as usize).map(|(id, _)| id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(brackets: &[Bracket]) -> Vec<Vec<(u32, u32)>> {
        brackets.iter().map(|b| b.rungs.iter().map(|r| (r.configs, r.epochs)).collect()).collect()
    }

    #[test]
    fn brackets_for_nine_epochs_and_eta_three_match_the_paper() {
        // Li et al. 2018 with R = 9, η = 3: s_max = 2.
        // s = 2: 9 configs at 1 epoch, 3 at 3, 1 at 9.
        // s = 1: ceil(3/2 * 3) = 5 at 3, floor(5/3) = 1 at 9.
        // s = 0: 3 at 9.
        assert_eq!(
            table(&hyperband_brackets(9, 3)),
            vec![vec![(9, 1), (3, 3), (1, 9)], vec![(5, 3), (1, 9)], vec![(3, 9)]]
        );
    }

    #[test]
    fn brackets_for_the_papers_r_81_example() {
        // Table 1 of Li et al. 2018 (R = 81, η = 3), bracket s = 4: 81@1, 27@3, 9@9, 3@27, 1@81.
        let brackets = hyperband_brackets(81, 3);
        assert_eq!(brackets.len(), 5);
        assert_eq!(table(&brackets[..1]), vec![vec![(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)]]);
        // s = 3: ceil(5/4 * 27) = 34 at 3, 11 at 9, 3 at 27, 1 at 81.
        assert_eq!(table(&brackets[1..2]), vec![vec![(34, 3), (11, 9), (3, 27), (1, 81)]]);
        assert_eq!(table(&brackets[4..]), vec![vec![(5, 81)]]);
    }

    #[test]
    fn uneven_budgets_round_epochs_and_end_at_the_maximum() {
        // R = 10: s_max = 2; 10/9 rounds to 1 and 10/3 to 3.
        let brackets = hyperband_brackets(10, 3);
        assert_eq!(table(&brackets[..1]), vec![vec![(9, 1), (3, 3), (1, 10)]]);
        assert!(brackets.iter().all(|b| b.rungs.last().map(|r| r.epochs) == Some(10)));
    }

    #[test]
    fn tiny_budgets_give_one_bracket() {
        assert_eq!(table(&hyperband_brackets(1, 3)), vec![vec![(1, 1)]]);
        assert_eq!(table(&hyperband_brackets(2, 3)), vec![vec![(1, 2)]]);
        assert_eq!(hyperband_brackets(0, 0), hyperband_brackets(1, 2));
    }

    #[test]
    fn promote_keeps_the_best_scores() {
        let scores = [(4, 0.2), (7, 0.9), (1, 0.5), (3, 0.7)];
        assert_eq!(promote(&scores, 2), vec![7, 3]);
        assert_eq!(promote(&scores, 9), vec![7, 3, 1, 4]);
        assert!(promote(&scores, 0).is_empty());
    }

    #[test]
    fn promote_breaks_ties_by_lower_trial_id() {
        assert_eq!(promote(&[(5, 1.0), (2, 1.0), (9, 1.0), (1, 0.0)], 2), vec![2, 5]);
    }

    #[test]
    fn promote_ranks_nan_last() {
        assert_eq!(promote(&[(0, f64::NAN), (1, -5.0)], 1), vec![1]);
    }
}
