//! What one runner process is asked to do, whoever asked: the command line, a SageMaker
//! container's job folder, or a launcher starting a distributed worker. The command-line struct
//! is what the user typed; this is what runs.

use super::step::Step;
use std::ffi::OsString;
use std::path::PathBuf;

/// A resolved request: plugin, settings, overrides and steps.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The experiment plugin's shared library.
    pub plugin: PathBuf,
    /// The settings file.
    pub settings: PathBuf,
    /// `section.key=value` overrides, as `--set` takes them.
    pub overrides: Vec<String>,
    /// The steps as given (empty: all).
    pub steps: Vec<Step>,
    /// `--force`: replace existing data snapshots.
    pub force: bool,
    /// `--resume <run>`: continue that run (train) or tuning job (tune).
    pub resume: Option<u64>,
    /// `--run <run>`: the run that `infer` evaluates.
    pub run: Option<u64>,
    /// `--trial <run>/<model>/<trial>`: this process trains one tuning trial.
    pub trial: Option<String>,
    /// `--dry-run`: print the SageMaker requests instead of sending them.
    pub dry_run: bool,
    /// `--verbose`, passed on to the processes this one starts.
    pub verbose: bool,
    /// `--quiet`, passed on to the processes this one starts.
    pub quiet: bool,
}

impl Invocation {
    /// Whether every step was asked for (no step named).
    pub fn all_steps(&self) -> bool {
        self.steps.is_empty()
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
