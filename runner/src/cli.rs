//! The command line, as the user writes it (not the domain types: settings are parsed by core).

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

/// Runs an mlpipe experiment: a plugin (five user functions) plus a settings.ini.
#[derive(Debug, Parser)]
#[command(
    name = "runner",
    version,
    about,
    after_help = "Past runs, no plugin needed: `runner runs SETTINGS.ini` lists them, `runner show SETTINGS.ini RUN` prints one.\n`runner reproduce SETTINGS.ini RUN` re-creates a run from its folder and compares the result with it.\nPlugins: `runner new DIR` writes a plugin crate, `runner check --plugin LIBRARY.so SETTINGS.ini` checks one."
)]
pub struct Cli {
    /// The experiment plugin: a shared library built with mlpipe-plugin-api's export_experiment!.
    #[arg(long, value_name = "LIBRARY.so")]
    pub plugin: PathBuf,

    /// The experiment's settings (inside a container, `--container` reads them from the job).
    #[arg(value_name = "SETTINGS.ini", required_unless_present = "container")]
    pub settings: Option<PathBuf>,

    /// Steps to run, in pipeline order whatever order they are given in [default: all].
    #[arg(value_enum, value_name = "STEP")]
    pub steps: Vec<Step>,

    /// Overrides one setting, e.g. `--set training.epochs=1` (repeatable).
    #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
    pub overrides: Vec<String>,

    /// Replaces existing data snapshots (the old files are archived, never deleted).
    #[arg(long)]
    pub force: bool,

    /// Continues run <RUN> from its last checkpoints instead of starting a new run (train), or a
    /// killed tuning job keeping its finished trials (tune).
    #[arg(long, value_name = "RUN")]
    pub resume: Option<u64>,

    /// Evaluates run <RUN> (infer); by default the run just trained, or the newest.
    #[arg(long = "run", value_name = "RUN")]
    pub run: Option<u64>,

    /// Trains one trial of a tuning job (set by the tuner when it starts a trial process).
    #[arg(long, value_name = "RUN/MODEL/TRIAL", hide = true)]
    pub trial: Option<String>,

    /// Prints the SageMaker job requests (`training.backend = sagemaker`) as JSON instead of
    /// sending them.
    #[arg(long)]
    pub dry_run: bool,
    /// Runs inside a SageMaker job: settings, hyperparameters and data come from the job's
    /// `/opt/ml` folder (the image's entry point passes this; SageMaker appends the step).
    #[arg(long)]
    pub container: bool,
    /// More log output.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Only warnings and errors.
    #[arg(short, long)]
    pub quiet: bool,
}

/// A pipeline step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum Step {
    /// Collect the raw data into labelled records (the plugin's `reconcile`).
    Reconcile,
    /// Encode the records into model inputs (the plugin's `prepare`).
    Prepare,
    /// Train every model once into a new run (with a search space: the settings as written).
    Train,
    /// Search `[tuning]`'s space: trials as processes, the best one's model kept.
    Tune,
    /// Evaluate a run's exported models on the test split; writes the report.
    Infer,
    /// Every step in order (tune instead of train with a search space); data steps are reused
    /// when their inputs are unchanged.
    All,
}

impl Step {
    /// The pipeline's step; `None` for [`Step::All`], which names every step.
    pub fn domain(self) -> Option<mlpipe_core::pipeline::Step> {
        use mlpipe_core::pipeline::Step as Domain;
        match self {
            Step::Reconcile => Some(Domain::Reconcile),
            Step::Prepare => Some(Domain::Prepare),
            Step::Train => Some(Domain::Train),
            Step::Tune => Some(Domain::Tune),
            Step::Infer => Some(Domain::Infer),
            Step::All => None,
        }
    }
}
