//! The retry delays of the tracker: 0.5 s, doubling after each failure up to 30 s, back to 0.5 s
//! after a success.

use std::time::Duration;

const FIRST: Duration = Duration::from_millis(500);
const CAP: Duration = Duration::from_secs(30);

/// Exponential back-off between retries.
#[derive(Debug)]
pub(super) struct Backoff {
    next: Duration,
}

impl Backoff {
    /// A back-off whose first delay is 0.5 s.
    pub(super) fn new() -> Self {
        Self { next: FIRST }
    }

    /// The delay before the next retry; the one after is twice as long, up to 30 s.
    pub(super) fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(CAP);
        delay
    }

    /// A request went through: the next failure waits 0.5 s again.
    pub(super) fn reset(&mut self) {
        self.next = FIRST;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_thirty_seconds_and_reset_after_success() {
        let mut b = Backoff::new();
        let ms: Vec<_> = (0..9).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(ms, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        b.reset();
        assert_eq!(b.next_delay(), FIRST);
    }
}
