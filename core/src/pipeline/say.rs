//! [`Say`]: how the pipeline and the backends hand their step summaries to the runner, which
//! prints them. The library decides what a step reports; only the binary writes to stdout.

/// Called with each summary line (without its newline) as soon as it is known — when a step,
/// trial or job ends or changes state — so the runner can print it at that moment.
pub type Say = dyn Fn(&str);
