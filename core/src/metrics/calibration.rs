//! Calibration of a classifier's confidence: do predictions made with probability 0.9 come true
//! nine times in ten? The top-class probabilities are put in equal-width bins `(k/B, (k+1)/B]`
//! (the convention of Guo et al. 2017, "On Calibration of Modern Neural Networks", and of
//! torchmetrics); each bin's mean confidence is set against its accuracy, and the expected
//! calibration error is their gap averaged over records:
//! `ECE = sum_b n_b / N * |accuracy_b - confidence_b|`.

use serde::{Deserialize, Serialize};

/// How many bins the report and `summary.json` use: Guo et al.'s choice.
pub const DEFAULT_BINS: usize = 15;

/// One confidence bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// The bin holds confidences in `(lower, upper]` (the first bin includes 0).
    pub lower: f64,
    /// Upper end of the bin (included).
    pub upper: f64,
    /// Records whose top-class probability falls in the bin.
    pub count: u64,
    /// Mean top-class probability of those records (0 when the bin is empty).
    pub confidence: f64,
    /// Share of those records whose prediction was right (0 when the bin is empty).
    pub accuracy: f64,
}

/// A reliability diagram's bins and the expected calibration error they give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// `sum_b n_b / N * |accuracy_b - confidence_b|` over the bins.
    pub expected_calibration_error: f64,
    /// The bins, lowest confidence first.
    pub bins: Vec<CalibrationBin>,
}

impl Calibration {
    /// Bins `confidence[i]` (the probability of the predicted class of record `i`, in `[0, 1]`)
    /// with `correct[i]` (whether that prediction was right) into `bins` equal-width bins.
    ///
    /// # Panics
    /// When the slices differ in length or `bins` is 0.
    pub fn from_predictions(confidence: &[f32], correct: &[bool], bins: usize) -> Calibration {
        assert_eq!(confidence.len(), correct.len(), "one correctness flag per confidence");
        assert!(bins > 0, "at least one bin");
        let mut count = vec![0u64; bins];
        let mut confidence_sum = vec![0f64; bins];
        let mut right = vec![0u64; bins];
        for (&p, &ok) in confidence.iter().zip(correct) {
            let bin = bin_of(f64::from(p), bins);
            count[bin] += 1;
            confidence_sum[bin] += f64::from(p);
            right[bin] += u64::from(ok);
        }
        let total = confidence.len().max(1) as f64;
        let mut ece = 0.0;
        let bins: Vec<CalibrationBin> = (0..bins)
            .map(|b| {
                let n = count[b];
                let (mean, accuracy) =
                    if n == 0 { (0.0, 0.0) } else { (confidence_sum[b] / n as f64, right[b] as f64 / n as f64) };
                ece += n as f64 / total * (accuracy - mean).abs();
                CalibrationBin {
                    lower: b as f64 / bins as f64,
                    upper: (b + 1) as f64 / bins as f64,
                    count: n,
                    confidence: mean,
                    accuracy,
                }
            })
            .collect();
        Calibration { expected_calibration_error: ece, bins }
    }
}

/// The bin of confidence `p`: `ceil(p * bins) - 1`, kept in `0..bins` (so 0 joins the first bin).
fn bin_of(p: f64, bins: usize) -> usize {
    ((p * bins as f64).ceil() as usize).saturating_sub(1).min(bins - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_closed_on_the_right() {
        assert_eq!(bin_of(0.0, 10), 0);
        assert_eq!(bin_of(0.1, 10), 0);
        assert_eq!(bin_of(0.1000001, 10), 1);
        assert_eq!(bin_of(1.0, 10), 9);
    }

    #[test]
    fn a_perfectly_calibrated_set_has_no_error_and_an_overconfident_one_does() {
        // Bin (0.7, 0.8]: confidence 0.75 four times, three right: accuracy 0.75 = confidence.
        let calm = Calibration::from_predictions(&[0.75; 4], &[true, true, true, false], 10);
        assert!(calm.expected_calibration_error.abs() < 1e-9);
        assert_eq!(calm.bins[7].count, 4);
        // Always 0.95 sure, right half the time: ECE = |0.5 - 0.95| = 0.45.
        let bold = Calibration::from_predictions(&[0.95; 4], &[true, false, true, false], 10);
        assert!((bold.expected_calibration_error - 0.45).abs() < 1e-6, "{bold:?}");
    }

    #[test]
    fn the_error_weighs_bins_by_their_records() {
        // 3 records at 0.9 all right (gap 0.1), 1 record at 0.6 wrong (gap 0.6): (3*0.1 + 0.6) / 4.
        let c = Calibration::from_predictions(&[0.9, 0.9, 0.9, 0.6], &[true, true, true, false], 5);
        assert!((c.expected_calibration_error - 0.225).abs() < 1e-6, "{c:?}");
        assert_eq!(c.bins.iter().map(|b| b.count).sum::<u64>(), 4);
    }
}
