//! The learning-rate schedule: linear warm-up from zero to the peak rate, then linear decay to zero
//! at the last step, exactly as Hugging Face transformers' `get_linear_schedule_with_warmup`
//! (a `LambdaLR` whose factor multiplies the peak rate), so a run here follows the same curve as the
//! reference Python training loop step for step.

/// Linear warm-up then linear decay, indexed by the number of optimiser steps already taken.
///
/// As in transformers, step 0 (the first update) has rate 0 when there is a warm-up: the training
/// loop asks for `lr_at(steps_taken)` before each update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinearSchedule {
    /// The rate reached at the end of the warm-up.
    pub peak_lr: f64,
    /// Steps spent rising from 0 to `peak_lr`.
    pub warmup_steps: u64,
    /// Steps in the whole run; the rate is 0 from this step on.
    pub total_steps: u64,
}

impl LinearSchedule {
    /// A schedule over `total_steps` whose warm-up lasts `ceil(warmup_ratio × total_steps)` steps,
    /// as transformers' `TrainingArguments.get_warmup_steps` rounds it.
    ///
    /// `warmup_ratio` is expected in `[0, 1]` (settings validation enforces it); a negative or NaN
    /// ratio gives no warm-up.
    pub fn new(peak_lr: f64, warmup_ratio: f64, total_steps: u64) -> Self {
        // `as` saturates: negative and NaN become 0.
        let warmup_steps = (total_steps as f64 * warmup_ratio).ceil() as u64;
        Self { peak_lr, warmup_steps, total_steps }
    }

    /// The learning rate for the update that follows `step` completed updates.
    ///
    /// The factor is computed with the same floating-point operations as transformers'
    /// `lr_lambda`, and multiplied into the peak rate the way `LambdaLR` does, so the values agree
    /// bit for bit.
    pub fn lr_at(&self, step: u64) -> f64 {
        let factor = if step < self.warmup_steps {
            step as f64 / self.warmup_steps.max(1) as f64
        } else {
            // Python subtracts the integers first; below 2^53 the f64 difference is the same number.
            let remaining = self.total_steps as f64 - step as f64;
            let decay_steps = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
            f64::max(0.0, remaining / decay_steps)
        };
        self.peak_lr * factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_steps_round_up() {
        // 0.25 × 10 = 2.5 → 3; 0.2 × 10 = 2.0 exactly in f64 → 2; 0.001 × 10 = 0.01 → 1.
        assert_eq!(LinearSchedule::new(1.0, 0.25, 10).warmup_steps, 3);
        assert_eq!(LinearSchedule::new(1.0, 0.2, 10).warmup_steps, 2);
        assert_eq!(LinearSchedule::new(1.0, 0.001, 10).warmup_steps, 1);
        assert_eq!(LinearSchedule::new(1.0, 0.0, 10).warmup_steps, 0);
    }

    #[test]
    fn negative_or_nan_ratio_means_no_warmup() {
        assert_eq!(LinearSchedule::new(1.0, -0.5, 10).warmup_steps, 0);
        assert_eq!(LinearSchedule::new(1.0, f64::NAN, 10).warmup_steps, 0);
    }

    #[test]
    fn rises_linearly_during_warmup() {
        // peak 2, warm-up ceil(0.25 × 10) = 3: 2 × 0/3, 2 × 1/3, 2 × 2/3.
        let s = LinearSchedule::new(2.0, 0.25, 10);
        assert_eq!(s.lr_at(0), 0.0);
        assert_eq!(s.lr_at(1), 2.0 * (1.0 / 3.0));
        assert_eq!(s.lr_at(2), 2.0 * (2.0 / 3.0));
    }

    #[test]
    fn decays_linearly_to_zero_after_warmup() {
        // peak 2, warm-up 3 of 10, decay over 7 steps: 2 × 7/7, 2 × 5/7, 2 × 1/7, then 0.
        let s = LinearSchedule::new(2.0, 0.25, 10);
        assert_eq!(s.lr_at(3), 2.0);
        assert_eq!(s.lr_at(5), 2.0 * (5.0 / 7.0));
        assert_eq!(s.lr_at(9), 2.0 * (1.0 / 7.0));
        assert_eq!(s.lr_at(10), 0.0);
    }

    #[test]
    fn stays_at_zero_past_the_end() {
        let s = LinearSchedule::new(2.0, 0.25, 10);
        assert_eq!(s.lr_at(11), 0.0);
        assert_eq!(s.lr_at(1_000), 0.0);
    }

    #[test]
    fn without_warmup_starts_at_peak() {
        // peak 0.5, no warm-up, 4 steps: 0.5 × 4/4, 0.5 × 3/4, 0.5 × 1/4.
        let s = LinearSchedule::new(0.5, 0.0, 4);
        assert_eq!(s.lr_at(0), 0.5);
        assert_eq!(s.lr_at(1), 0.375);
        assert_eq!(s.lr_at(3), 0.125);
        assert_eq!(s.lr_at(4), 0.0);
    }

    #[test]
    fn warmup_covering_the_whole_run_rises_then_drops_to_zero() {
        // warm-up 4 of 4: 1 × 2/4 mid-way; at step 4, (4 − 4) / max(1, 4 − 4) = 0.
        let s = LinearSchedule::new(1.0, 1.0, 4);
        assert_eq!(s.warmup_steps, 4);
        assert_eq!(s.lr_at(2), 0.5);
        assert_eq!(s.lr_at(4), 0.0);
    }

    #[test]
    fn zero_total_steps_gives_zero_rate() {
        let s = LinearSchedule::new(1.0, 0.1, 0);
        assert_eq!(s.lr_at(0), 0.0);
    }
}
