//! The command line as the pipeline's request: [`from_cli`] maps the parsed [`Cli`] onto core's
//! [`Invocation`], and [`steps`] maps the command line's steps (with `all`) onto core's
//! [`Step`]s (none meaning all).

use crate::cli::{self, Cli};
use mlpipe_core::pipeline::{Invocation, Step};
use std::path::PathBuf;

/// The command line's request, with its settings path.
pub fn from_cli(cli: &Cli, settings: PathBuf) -> Invocation {
    Invocation {
        plugin: cli.plugin.clone(),
        settings,
        overrides: cli.overrides.clone(),
        steps: steps(&cli.steps),
        force: cli.force,
        resume: cli.resume,
        run: cli.run,
        trial: cli.trial.clone(),
        dry_run: cli.dry_run,
        verbose: cli.verbose,
        quiet: cli.quiet,
    }
}

/// The steps the command line names; `all` among them (or none) means every step: none.
pub fn steps(given: &[cli::Step]) -> Vec<Step> {
    if given.contains(&cli::Step::All) {
        return Vec::new();
    }
    given.iter().filter_map(|step| step.domain()).collect()
}
