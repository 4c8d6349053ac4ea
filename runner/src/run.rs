//! The runner's request: the command line mapped onto the pipeline's [`Invocation`], and the
//! backend picked from `[training] backend` — [`LocalBackend`] (core) or [`SageMakerBackend`]
//! (`mlpipe-aws`). Everything else is the pipeline's ([`mlpipe_core::pipeline`]).

use crate::cli::Cli;
use crate::invocation;
use mlpipe_aws::backend::SageMakerBackend;
use mlpipe_core::pipeline::{self, Backend, Invocation, LocalBackend};
use mlpipe_core::settings::{self, Settings};
use mlpipe_core::Result;
use std::sync::Arc;

/// Runs the command.
///
/// # Errors
/// Bad settings, a plugin that cannot be loaded, or a failing step.
pub fn run(cli: &Cli) -> Result<()> {
    if cli.container {
        return crate::container::run(cli);
    }
    let settings = cli.settings.clone().expect("clap requires SETTINGS.ini without --container");
    run_invocation(&invocation::from_cli(cli, settings)).map(|_| ())
}

/// Runs one request on the backend its settings name; returns the run that `train` or `tune`
/// made or continued (on the process that knows it).
///
/// # Errors
/// Bad settings, a plugin that cannot be loaded, or a failing step.
pub fn run_invocation(invocation: &Invocation) -> Result<Option<u64>> {
    pipeline::run_invocation(invocation, Arc::new(mlpipe_aws::Aws), &pick_backend, &print_line)
}

/// Prints a line the pipeline or a backend reports, on stdout, as it comes.
fn print_line(line: &str) {
    println!("{line}");
}

/// `[training] backend`: processes here, or SageMaker jobs.
pub fn pick_backend(settings: &Settings) -> Box<dyn Backend> {
    match settings.training.backend {
        settings::Backend::Local => Box::new(LocalBackend),
        settings::Backend::SageMaker => Box::new(SageMakerBackend),
    }
}
