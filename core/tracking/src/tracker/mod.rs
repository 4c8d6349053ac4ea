//! [`BufferedTracker`]: tracking that never blocks or fails training. The training thread hands
//! [`Event`]s to an unbounded queue; a background thread ([`worker`]) delivers them in order,
//! batching metrics ([`outbox`]) and retrying an unreachable server with back-off ([`backoff`]).

mod backoff;
mod buffered;
mod event;
mod outbox;
mod worker;

pub use buffered::{BufferedTracker, Delivery, FinishReport};
pub use event::Event;
