//! What one runner process is asked to do, whoever asked: the command line, a SageMaker
//! container's job folder, or a launcher starting a distributed worker. The command-line struct
//! is what the user typed; this is what runs.

use crate::cli::{Cli, Step};
use std::ffi::OsString;
use std::path::PathBuf;

/// A resolved request: plugin, settings, overrides and steps.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub plugin: PathBuf,
    pub settings: PathBuf,
    /// `section.key=value` overrides, as `--set` takes them.
    pub overrides: Vec<String>,
    /// The steps as given (empty: all).
    pub steps: Vec<Step>,
    pub force: bool,
    pub resume: Option<u64>,
    pub run: Option<u64>,
    /// `--trial <run>/<model>/<trial>`: this process trains one tuning trial.
    pub trial: Option<String>,
    pub dry_run: bool,
    pub verbose: bool,
    pub quiet: bool,
}

impl Invocation {
    /// The command line's request, with its settings path.
    pub fn from_cli(cli: &Cli, settings: PathBuf) -> Self {
        Self {
            plugin: cli.plugin.clone(),
            settings,
            overrides: cli.overrides.clone(),
            steps: cli.steps.clone(),
            force: cli.force,
            resume: cli.resume,
            run: cli.run,
            trial: cli.trial.clone(),
            dry_run: cli.dry_run,
            verbose: cli.verbose,
            quiet: cli.quiet,
        }
    }

    /// The command line of a distributed worker of this request: the same plugin, settings and
    /// overrides, `train` only.
    pub fn worker_args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> =
            vec!["--plugin".into(), self.plugin.clone().into(), self.settings.clone().into(), "train".into()];
        for set in &self.overrides {
            args.push("--set".into());
            args.push(set.into());
        }
        if let Some(run) = self.resume {
            args.push("--resume".into());
            args.push(run.to_string().into());
        }
        if self.verbose {
            args.push("--verbose".into());
        }
        if self.quiet {
            args.push("--quiet".into());
        }
        args
    }
}
