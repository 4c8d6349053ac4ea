//! The browsing subcommands: `runner runs SETTINGS.ini` tabulates an experiment's runs,
//! `runner show SETTINGS.ini RUN` prints one run and `runner sync SETTINGS.ini RUN` pushes one to
//! the experiment tracker. They read the experiment's files through its
//! storage (local or S3) and need no plugin, so they have their own parser: `main` hands the
//! command line here when its first argument names a [`BrowseCommand`]. Output goes to stdout,
//! warnings about unreadable files to stderr; errors are one `error:` line, exit code 2 for bad
//! usage or settings (a run that does not exist included) and 1 for a failure.

use crate::parse::{names_subcommand, parse_or_exit};
use clap::{Args, Parser, Subcommand};
use mlpipe_core::browse;
use mlpipe_core::job::Job;
use mlpipe_core::settings::Settings;
use mlpipe_core::Result;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Browses an experiment's past runs (no plugin needed).
#[derive(Debug, Parser)]
#[command(name = "runner", version)]
pub struct BrowseCli {
    #[command(subcommand)]
    pub command: BrowseCommand,
}

/// A subcommand that works on an experiment without its plugin. Add a variant (and its arm in
/// [`run`]) for a new one; `main` dispatches every variant by name.
#[derive(Debug, Subcommand)]
pub enum BrowseCommand {
    /// Lists the experiment's runs, newest first: date, job type, models, best objective, test
    /// accuracy, size on disk, status.
    Runs {
        #[command(flatten)]
        experiment: ExperimentArgs,
    },
    /// Prints one run: its manifest, each model's results, tuning outcome and files.
    Show {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// The run number (`runner runs` lists them).
        #[arg(value_name = "RUN")]
        run: u64,
    },
    /// Pushes a run folder to the experiment tracker (`[tracking] mlflow_uri`): for a run made
    /// while MLflow was down or not configured. Running it twice sends nothing twice.
    Sync {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// The run number (`runner runs` lists them).
        #[arg(value_name = "RUN")]
        run: u64,
    },
}

/// Which experiment: its settings and overrides, as for a pipeline run.
#[derive(Debug, Args)]
pub struct ExperimentArgs {
    /// The experiment's settings (its `[experiment]` name and root locate the runs).
    #[arg(value_name = "SETTINGS.ini")]
    pub settings: PathBuf,

    /// Overrides one setting, e.g. `--set experiment.root=s3://bucket/prefix` (repeatable).
    #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
    pub overrides: Vec<String>,
}

/// Whether `first`, the command line's first argument, names a [`BrowseCommand`].
pub fn is_browse_command(first: Option<&OsStr>) -> bool {
    names_subcommand::<BrowseCli>(first)
}

/// Parses `runner <subcommand> ...` and runs it; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = match parse_or_exit::<BrowseCli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // Only warnings: stdout is the table, and progress logs would clutter a quick look.
    crate::init_logging(false, true);
    match run(&cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {}", crate::error_line::error_line(&err));
            ExitCode::from(err.exit_code())
        }
    }
}

/// Runs one browsing command.
///
/// # Errors
/// Bad settings, storage that cannot be opened or read, or (`show`) a run that does not exist.
fn run(command: &BrowseCommand) -> Result<()> {
    match command {
        BrowseCommand::Runs { experiment } => {
            let job = open(experiment)?;
            let runs = browse::list_runs(&job)?;
            warn(runs.iter().flat_map(|run| &run.warnings));
            print!("{}", browse::render_table(&runs, &job.storage.uri(&job.layout.runs_prefix())));
        }
        BrowseCommand::Show { experiment, run } => {
            let job = open(experiment)?;
            let details = browse::show_run(&job, *run)?;
            warn(&details.warnings);
            print!("{}", browse::render_details(&details));
        }
        BrowseCommand::Sync { experiment, run } => {
            crate::sync::sync(&experiment.settings, &experiment.overrides, *run)?;
        }
    }
    Ok(())
}

fn open(experiment: &ExperimentArgs) -> Result<Job> {
    let settings = Settings::load(&experiment.settings, &experiment.overrides)?;
    Job::open_with(settings, std::sync::Arc::new(mlpipe_aws::Aws))
}

fn warn<'a>(warnings: impl IntoIterator<Item = &'a String>) {
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
}
