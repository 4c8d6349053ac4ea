//! Helpers shared by the integration tests of mlpipe-tracking: a real MLflow server and a
//! capture of the warnings the crate logs.
#![allow(dead_code)]
pub mod capture;
pub mod server;

/// A name no other test uses, for experiments and run keys.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("{prefix}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst))
}
