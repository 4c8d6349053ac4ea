//! The private tokio runtime that turns the SDK's async calls into the synchronous
//! [`Storage`](mlpipe_core::storage::Storage) methods. Each storage owns one, so that callers need
//! no runtime of their own and storage calls work from any thread: plain threads, rayon workers,
//! and even threads already inside another runtime, where tokio forbids a nested `block_on`.

use std::future::Future;
use std::io;

use tokio::runtime::{Builder, Handle, Runtime};

/// Worker threads: they only drive sockets and timers; the caller's thread polls the future.
const WORKER_THREADS: usize = 2;

/// A multi-thread runtime that blocks callers on futures.
pub(crate) struct BlockingRuntime {
    // `Option` so that `Drop` can take it out and shut it down without blocking.
    runtime: Option<Runtime>,
}

impl BlockingRuntime {
    /// Starts the worker threads.
    pub(crate) fn new() -> io::Result<Self> {
        let runtime =
            Builder::new_multi_thread().worker_threads(WORKER_THREADS).thread_name("mlpipe-s3").enable_all().build()?;
        Ok(Self { runtime: Some(runtime) })
    }

    /// Runs `future` to completion on this runtime, blocking the calling thread.
    pub(crate) fn block_on<F>(&self, future: F) -> F::Output
    where
        F: Future + Send,
        F::Output: Send,
    {
        let runtime = self.runtime.as_ref().expect("the runtime lives until drop");
        if Handle::try_current().is_err() {
            return runtime.block_on(future);
        }
        // Inside another runtime `Runtime::block_on` panics; a fresh thread has no runtime context.
        // The scoped thread lets the future borrow from the caller.
        std::thread::scope(|s| match s.spawn(|| runtime.block_on(future)).join() {
            Ok(output) => output,
            Err(panic) => std::panic::resume_unwind(panic),
        })
    }
}

impl Drop for BlockingRuntime {
    fn drop(&mut self) {
        // Dropping a runtime blocks until its workers stop, which panics inside an async context;
        // no call is in flight once the storage is dropped, so nothing is lost by not waiting.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_from_a_plain_thread() {
        let runtime = BlockingRuntime::new().unwrap();
        assert_eq!(runtime.block_on(async { 7 }), 7);
    }

    #[test]
    fn blocks_from_inside_another_runtime_and_drops_there() {
        let outer = Builder::new_current_thread().enable_all().build().unwrap();
        outer.block_on(async {
            let runtime = BlockingRuntime::new().unwrap();
            let text = String::from("borrowed");
            let len = runtime.block_on(async { text.len() });
            assert_eq!(len, 8);
            drop(runtime);
        });
    }
}
