//! What the runner's command-line parsers (steps, browsing, plugin authoring) share: whether the
//! first argument names one of a parser's subcommands, and parsing with clap's own messages and
//! exit codes (2 for bad usage, 0 for `--help` and `--version`).

use clap::{CommandFactory, Parser};
use std::ffi::OsStr;
use std::process::ExitCode;

/// Whether `first`, the command line's first argument, names a subcommand of `C`.
pub fn names_subcommand<C: CommandFactory>(first: Option<&OsStr>) -> bool {
    let Some(first) = first.and_then(OsStr::to_str) else {
        return false;
    };
    C::command().get_subcommands().any(|command| command.get_name() == first)
}

/// The parsed command line, or the exit code once clap has printed its usage error or help.
pub fn parse_or_exit<C: Parser>() -> Result<C, ExitCode> {
    C::try_parse().map_err(|err| {
        let _ = err.print();
        ExitCode::from(if err.use_stderr() { 2 } else { 0 })
    })
}
