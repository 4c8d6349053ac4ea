//! Progress reporting for long loops: a progress bar when stderr is a terminal, otherwise a plain
//! log line at every tenth of the work, so CI logs and SageMaker logs stay readable. The bar on
//! screen is registered here, and [`ConsoleWriter`] (the runner's log writer) prints log lines
//! above it instead of through it.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The progress bar on screen, if any.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Registers the bar now on screen (`None` when it is gone), for [`ConsoleWriter`].
pub fn set_active_bar(bar: Option<ProgressBar>) {
    *ACTIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = bar;
}

/// Stderr that hides the active progress bar while it writes, then redraws it: log lines appear
/// above the bar rather than torn through it.
pub struct ConsoleWriter;

impl Write for ConsoleWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bar = ACTIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        match bar {
            Some(bar) => bar.suspend(|| std::io::stderr().write_all(buf)).map(|()| buf.len()),
            None => std::io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Counts finished items of one loop; cheap to call from many threads.
pub struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts reporting a loop of `total` items.
    pub fn new(label: impl Into<String>, total: u64) -> Self {
        let label = label.into();
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template("{msg:>24} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message(label.clone());
            bar
        });
        Self { label, total, done: AtomicU64::new(0), bar }
    }

    /// Records `n` more finished items.
    pub fn add(&self, n: u64) {
        let before = self.done.fetch_add(n, Ordering::Relaxed);
        let after = before + n;
        match &self.bar {
            Some(bar) => bar.inc(n),
            None if self.total > 0 => {
                let step = self.total.div_ceil(10).max(1);
                if before / step != after / step || after == self.total {
                    tracing::info!("{}: {after}/{}", self.label, self.total);
                }
            }
            None => {}
        }
    }

    /// Ends the bar (a no-op in log mode).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
