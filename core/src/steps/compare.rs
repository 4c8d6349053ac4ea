//! Comparison of the models of a comparison job on the same test records: per pair, how often
//! they agree, the discordant counts ("A right / B wrong", "A wrong / B right"), McNemar's exact
//! test on those counts, and per label the F1 of each model with the labels where they differ
//! most. Written as `inference/comparison.json`.

use super::infer::ModelInference;
use serde::Serialize;

/// One pair of models.
#[derive(Debug, Clone, Serialize)]
pub struct PairComparison {
    /// The first model, in `model_names` order.
    pub model_a: String,
    /// The second model.
    pub model_b: String,
    /// Test records both were evaluated on.
    pub examples: u64,
    /// Share of records where both predict the same class.
    pub agreement: f64,
    /// Records both predict right.
    pub both_right: u64,
    /// Records A predicts right and B wrong.
    pub a_right_b_wrong: u64,
    /// Records A predicts wrong and B right.
    pub a_wrong_b_right: u64,
    /// Records both predict wrong.
    pub both_wrong: u64,
    /// McNemar's exact (binomial) two-sided p-value on the discordant counts.
    pub mcnemar_p_value: f64,
    /// Per label: (label, F1 of A, F1 of B), all labels in id order.
    pub per_label_f1: Vec<(String, f64, f64)>,
    /// Up to five labels with the largest |F1 A − F1 B|, largest first.
    pub largest_differences: Vec<(String, f64)>,
}

/// Compares every pair of models (in `model_names` order).
pub fn compare(results: &[ModelInference]) -> Vec<PairComparison> {
    let mut pairs = Vec::new();
    for (i, a) in results.iter().enumerate() {
        for b in &results[i + 1..] {
            pairs.push(compare_pair(a, b));
        }
    }
    pairs
}

fn compare_pair(a: &ModelInference, b: &ModelInference) -> PairComparison {
    let (mut agree, mut both_right, mut a_only, mut b_only, mut both_wrong) = (0u64, 0u64, 0u64, 0u64, 0u64);
    for ((&pa, &pb), &truth) in a.predicted.iter().zip(&b.predicted).zip(&a.truth) {
        agree += u64::from(pa == pb);
        match (pa == truth, pb == truth) {
            (true, true) => both_right += 1,
            (true, false) => a_only += 1,
            (false, true) => b_only += 1,
            (false, false) => both_wrong += 1,
        }
    }
    let f1 = |result: &ModelInference, label: &str| {
        result.per_label.iter().find(|row| row.label == label).map_or(0.0, |row| row.scores.f1)
    };
    let per_label_f1: Vec<(String, f64, f64)> =
        a.labels.iter().map(|label| (label.clone(), f1(a, label), f1(b, label))).collect();
    let mut largest: Vec<(String, f64)> =
        per_label_f1.iter().map(|(label, fa, fb)| (label.clone(), (fa - fb).abs())).collect();
    largest.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    largest.truncate(5);
    let examples = a.predicted.len() as u64;
    PairComparison {
        model_a: a.model.clone(),
        model_b: b.model.clone(),
        examples,
        agreement: agree as f64 / examples.max(1) as f64,
        both_right,
        a_right_b_wrong: a_only,
        a_wrong_b_right: b_only,
        both_wrong,
        mcnemar_p_value: mcnemar_exact(a_only, b_only),
        per_label_f1,
        largest_differences: largest,
    }
}

/// McNemar's exact test: two-sided binomial p-value of `min(b, c)` successes in `b + c` trials
/// with p = ½, `min(1, 2·P(X ≤ min(b, c)))` (as `scipy.stats.binomtest(..).pvalue` and
/// statsmodels' `mcnemar(exact=True)`). Computed in log space, so large counts do not underflow.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let k = b.min(c);
    let mut log_term = -(n as f64) * std::f64::consts::LN_2; // log P(X = 0)
    let mut log_sum = log_term;
    for i in 1..=k {
        log_term += ((n - i + 1) as f64).ln() - (i as f64).ln();
        let (hi, lo) = if log_sum > log_term { (log_sum, log_term) } else { (log_term, log_sum) };
        log_sum = hi + (lo - hi).exp().ln_1p();
    }
    (2.0 * log_sum.exp()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mcnemar_matches_scipy_binomtest() {
        // scipy.stats.binomtest(k, n, 0.5).pvalue: (1, 10) → 0.021484375; (5, 10) → 1.0;
        // (0, 3) → 0.25; (40, 100) → 0.05688793364098089; (3000, 6100) → 0.2049495446515585.
        assert!((mcnemar_exact(1, 9) - 0.021484375).abs() < 1e-15);
        assert_eq!(mcnemar_exact(5, 5), 1.0);
        assert!((mcnemar_exact(0, 3) - 0.25).abs() < 1e-15);
        assert!((mcnemar_exact(40, 60) - 0.05688793364098089).abs() < 1e-12);
        assert_eq!(mcnemar_exact(0, 0), 1.0);
    }

    #[test]
    fn large_counts_do_not_underflow() {
        assert!((mcnemar_exact(3000, 3100) - 0.2049495446515585).abs() < 1e-9);
    }
}
