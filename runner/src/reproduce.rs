//! `runner reproduce SETTINGS.ini RUN`: the command line of [`mlpipe_core::pipeline::reproduce`], which re-creates a run from its folder alone and says whether the
//! result is the same. It takes the run's settings snapshot (with the root where the run was
//! found), refuses a plugin file or libtorch other than the recorded ones unless
//! `--allow-different-plugin` (then recorded in the new run's manifest), re-creates the data
//! snapshot when the experiment's differs from the recorded hashes (the old one is archived),
//! trains into a new run exactly as `train` does (locally, distributed or on SageMaker, as the
//! snapshot says), and compares every model's metrics and weights with the original run's. It
//! prints `identical …` (exit 0) or `differs: …` with the first differing metric (exit 1).

use crate::browse::ExperimentArgs;
use crate::parse::{names_subcommand, parse_or_exit};
use clap::{Parser, Subcommand};
use mlpipe_core::pipeline::{self, Reproduce, Verdict};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Re-creates a run from its folder and compares the result with it.
#[derive(Debug, Parser)]
#[command(name = "runner", version)]
pub struct ReproduceCli {
    #[command(subcommand)]
    pub command: ReproduceCommand,
}

/// The one subcommand.
#[derive(Debug, Subcommand)]
pub enum ReproduceCommand {
    /// Trains a new run from run RUN's settings snapshot, plugin and data, and compares every
    /// metric and the weights with it: prints `identical` (exit 0) or the first difference
    /// (exit 1).
    Reproduce {
        #[command(flatten)]
        experiment: ExperimentArgs,
        /// The run to reproduce (`runner runs` lists them).
        #[arg(value_name = "RUN")]
        run: u64,
        /// The plugin library [default: the file the run's manifest records].
        #[arg(long, value_name = "LIBRARY.so")]
        plugin: Option<PathBuf>,
        /// Goes on when the plugin file's hash or the libtorch version differs from the run's;
        /// the new run's manifest records it.
        #[arg(long)]
        allow_different_plugin: bool,
        /// Only warnings, errors and the verdict.
        #[arg(short, long)]
        quiet: bool,
    },
}

/// Whether `first`, the command line's first argument, is `reproduce`.
pub fn is_reproduce_command(first: Option<&OsStr>) -> bool {
    names_subcommand::<ReproduceCli>(first)
}

/// Parses `runner reproduce ...` and runs it; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = match parse_or_exit::<ReproduceCli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let ReproduceCommand::Reproduce { experiment, run, plugin, allow_different_plugin, quiet } = &cli.command;
    crate::init_logging(false, *quiet);
    let request = Reproduce {
        settings: experiment.settings.clone(),
        overrides: experiment.overrides.clone(),
        run: *run,
        plugin: plugin.clone(),
        allow_different_plugin: *allow_different_plugin,
        quiet: *quiet,
    };
    let quiet = *quiet;
    let say = move |line: &str| {
        if !quiet {
            println!("{line}");
        }
    };
    let reproduced =
        pipeline::reproduce(&request, Arc::new(mlpipe_aws::Aws), &crate::run::pick_backend, &say).inspect(|done| {
            println!("{}", done.line());
        });
    match reproduced.map(|done| done.verdict) {
        Ok(Verdict::Identical { .. }) => ExitCode::SUCCESS,
        Ok(Verdict::Differs(_)) => ExitCode::from(1),
        Err(err) => {
            eprintln!("error: {}", crate::error_line::error_line(&err));
            ExitCode::from(err.exit_code())
        }
    }
}
