//! The plugin author's subcommands: `runner new DIR [--name NAME]` writes a plugin crate ready to
//! build (see [`crate::scaffold`]), and `runner check --plugin LIB.so SETTINGS.ini` runs the plugin
//! doctor (`mlpipe_core::doctor`): one `✓`/`✗` line per check on stdout. Like the browsing
//! subcommands they have their own parser, picked by the first argument. Exit codes: 0 success
//! (every check passed), 1 a failed check or write, 2 bad usage or settings.

use crate::parse::{names_subcommand, parse_or_exit};
use crate::scaffold::{scaffold, Origin, ScaffoldError};
use clap::{Parser, Subcommand};
use mlpipe_core::doctor::{diagnose, DoctorOptions};
use mlpipe_core::settings::Settings;
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes and checks experiment plugins.
#[derive(Debug, Parser)]
#[command(name = "runner", version)]
pub struct AuthorCli {
    #[command(subcommand)]
    pub command: AuthorCommand,
}

/// A subcommand for plugin authors; `main` dispatches every variant by name.
#[derive(Debug, Subcommand)]
pub enum AuthorCommand {
    /// Writes a new plugin crate into DIR (new or empty): Cargo.toml, build.rs, a cargo config
    /// pointing at this runner's libtorch, src/lib.rs with the five functions and a small model, a
    /// tiny data file and a commented settings.ini. `cargo build --release` there needs nothing else.
    New {
        /// The folder to write; refused when it has files in it.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// The crate and experiment name [default: the folder's name].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Checks a plugin in seconds before a long run: loading, versions, options, labels, the first
    /// records, prepare and every model (forward, dropout, a training step, weights, TorchScript).
    Check {
        /// The plugin library.
        #[arg(long, value_name = "LIBRARY.so")]
        plugin: PathBuf,
        /// The experiment's settings (its `[plugin]` options and model names are checked).
        #[arg(value_name = "SETTINGS.ini")]
        settings: PathBuf,
        /// How many reconciled records to check (the first ones).
        #[arg(long, value_name = "N", default_value_t = DoctorOptions::default().records)]
        records: usize,
        /// Overrides one setting, e.g. `--set plugin.dropout=0.2` (repeatable).
        #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
        overrides: Vec<String>,
    },
}

/// Whether `first`, the command line's first argument, names an [`AuthorCommand`].
pub fn is_author_command(first: Option<&OsStr>) -> bool {
    names_subcommand::<AuthorCli>(first)
}

/// Parses `runner new|check ...` and runs it; returns the process's exit code.
pub fn main() -> ExitCode {
    let cli = match parse_or_exit::<AuthorCli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        AuthorCommand::New { dir, name } => new(&dir, name.as_deref()),
        AuthorCommand::Check { plugin, settings, records, overrides } => check(&plugin, &settings, records, &overrides),
    }
}

fn new(dir: &std::path::Path, name: Option<&str>) -> ExitCode {
    match scaffold(dir, name, &Origin::of_this_runner()) {
        Ok(written) => {
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!("next: cd {} && cargo build --release, then `runner check` as settings.ini says", dir.display());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {}", crate::error_line::error_line(&err));
            ExitCode::from(match err {
                ScaffoldError::Io { .. } => 1,
                ScaffoldError::NotEmpty { .. } | ScaffoldError::BadName { .. } => 2,
            })
        }
    }
}

fn check(plugin: &std::path::Path, settings: &std::path::Path, records: usize, overrides: &[String]) -> ExitCode {
    crate::init_logging(false, true);
    if records == 0 {
        eprintln!("error: --records: expected at least 1");
        return ExitCode::from(2);
    }
    let settings = match Settings::load(settings, overrides) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(2);
        }
    };
    let mut total = 0;
    let failed = diagnose(plugin, &settings, DoctorOptions { records }, &mut |line| {
        total += 1;
        println!("{line}");
    });
    if failed == 0 {
        println!("all {total} checks passed");
        ExitCode::SUCCESS
    } else {
        eprintln!("error: plugin {}: {failed} of {total} checks failed", plugin.display());
        ExitCode::from(1)
    }
}
