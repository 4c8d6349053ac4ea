//! The worker's queue of undelivered events. Its one piece of logic is metric batching: the points
//! of consecutive `Metrics` events at the front are taken together, up to a request's worth, and a
//! request that delivered part of an event leaves the rest of it at the front.

use std::collections::VecDeque;

use super::event::Event;
use crate::data::Metric;

/// Events received and not yet delivered, oldest first.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    events: VecDeque<Event>,
    /// How many points of the front event (a `Metrics`) were already delivered.
    offset: usize,
}

impl Outbox {
    /// Queues `event` behind the others.
    pub(super) fn push(&mut self, event: Event) {
        self.events.push_back(event);
    }

    /// Whether nothing is waiting.
    pub(super) fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// The oldest waiting event.
    pub(super) fn front(&self) -> Option<&Event> {
        self.events.front()
    }

    /// Drops the front event (delivered or refused); returns the number of events completed (1).
    pub(super) fn pop(&mut self) -> usize {
        self.offset = 0;
        usize::from(self.events.pop_front().is_some())
    }

    /// Up to `max` undelivered points of the `Metrics` events at the front, in order.
    pub(super) fn metrics_batch(&self, max: usize) -> Vec<Metric> {
        let mut out = Vec::new();
        let mut skip = self.offset;
        for event in &self.events {
            let Event::Metrics(points) = event else { break };
            let take = (max - out.len()).min(points.len() - skip);
            out.extend_from_slice(&points[skip..skip + take]);
            skip = 0;
            if out.len() == max {
                break;
            }
        }
        out
    }

    /// Marks the first `n` points of [`Outbox::metrics_batch`] delivered; returns how many events
    /// that completed (empty `Metrics` events at the front complete with it).
    pub(super) fn consume_metrics(&mut self, mut n: usize) -> usize {
        let mut completed = 0;
        while let Some(Event::Metrics(points)) = self.events.front() {
            let left = points.len() - self.offset;
            if left > n {
                self.offset += n;
                break;
            }
            n -= left;
            completed += self.pop();
        }
        completed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::RunStatus;

    fn points(from: u64, n: u64) -> Event {
        Event::Metrics(
            (from..from + n).map(|s| Metric { key: "k".into(), value: 0.0, timestamp_ms: 0, step: s }).collect(),
        )
    }

    fn steps(batch: &[Metric]) -> Vec<u64> {
        batch.iter().map(|m| m.step).collect()
    }

    #[test]
    fn consecutive_metrics_events_are_batched_up_to_the_limit() {
        let mut out = Outbox::default();
        out.push(points(0, 3));
        out.push(points(3, 3));
        out.push(Event::End { status: RunStatus::Finished, end_ms: 1 });
        out.push(points(6, 1));
        let batch = out.metrics_batch(4);
        assert_eq!(steps(&batch), [0, 1, 2, 3]);
        assert_eq!(out.consume_metrics(batch.len()), 1);
        // The rest of the second event, and not past End.
        assert_eq!(steps(&out.metrics_batch(4)), [4, 5]);
        assert_eq!(out.consume_metrics(2), 1);
        assert!(matches!(out.front(), Some(Event::End { .. })));
        assert!(out.metrics_batch(4).is_empty());
    }

    #[test]
    fn empty_metrics_events_complete_with_the_batch_before_them() {
        let mut out = Outbox::default();
        out.push(points(0, 2));
        out.push(Event::Metrics(vec![]));
        assert_eq!(out.consume_metrics(out.metrics_batch(10).len()), 2);
        assert!(out.is_empty());
    }
}
