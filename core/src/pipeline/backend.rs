//! [`Backend`]: where the steps of a request run — processes on this machine
//! ([`LocalBackend`](super::LocalBackend)) or jobs on SageMaker (`mlpipe-aws`'s backend). The
//! pipeline ([`run_invocation`](super::run_invocation)) does everything the backends share
//! (settings, plugin, the request's checks, the step plan) and then calls one of them.

use super::invocation::Invocation;
use super::say::Say;
use super::step::Step;
use crate::job::Job;
use crate::plugin::Plugin;
use crate::Result;

/// Runs the planned steps of one request.
pub trait Backend {
    /// Runs `steps` for `job`, in the order given, handing the summary lines of each step to
    /// `say` as the step ends.
    ///
    /// Called once per request, after the settings were loaded (`job`, with its storage
    /// opened), the plugin was loaded and checked against them, and the request was checked:
    /// `steps` is non-empty, in pipeline order, without repeats, never both `train` and `tune`;
    /// `--resume` comes with `train` or `tune`, `--run` with `infer`.
    ///
    /// Returns the run that `train` or `tune` made or continued, when this process knows it
    /// (a distributed worker other than rank 0 does not), else `None`.
    ///
    /// # Errors
    ///
    /// The first step that fails, or a request this backend cannot run (such as `--dry-run`
    /// locally).
    fn run_steps(
        &self,
        invocation: &Invocation,
        job: &Job,
        plugin: &Plugin,
        steps: &[Step],
        say: &Say,
    ) -> Result<Option<u64>>;
}
