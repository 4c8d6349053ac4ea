//! The `runner` command: `runner --plugin libmyexp.so settings.ini [STEP ...]`, or
//! `runner runs|show settings.ini ...` to browse past runs (see [`browse`]), `runner reproduce
//! settings.ini RUN` to re-create a run (see [`reproduce`]), or `runner new|check`
//! to write and check a plugin (see [`author`]). Parses the command
//! line, runs the steps, prints the error once as one line and exits 0 (success), 1 (the job
//! failed) or 2 (bad usage or bad settings).

mod author;
mod browse;
mod cli;
mod container;
mod error_line;
mod invocation;
mod memory;
mod parse;
mod reproduce;
mod run;
mod scaffold;
mod sync;

use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    memory::apply();
    // Subcommands that need no plugin (`runs`, `show`, `sync`) and the plugin author's (`new`,
    // `check`) have their own parsers, picked by the first argument.
    if browse::is_browse_command(std::env::args_os().nth(1).as_deref()) {
        return browse::main();
    }
    if author::is_author_command(std::env::args_os().nth(1).as_deref()) {
        return author::main();
    }
    if reproduce::is_reproduce_command(std::env::args_os().nth(1).as_deref()) {
        return reproduce::main();
    }
    let cli = match parse::parse_or_exit::<cli::Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    init_logging(cli.verbose, cli.quiet);
    match run::run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A distributed worker says which rank it is; the launcher prints the job's one
            // `error:` line.
            match std::env::var("RANK") {
                Ok(rank) => eprintln!("[rank {rank}] error: {}", error_line::error_line(&err)),
                Err(_) => eprintln!("error: {}", error_line::error_line(&err)),
            }
            ExitCode::from(err.exit_code())
        }
    }
}

/// Logs go to stderr (stdout carries the step summaries); `RUST_LOG` overrides the level.
fn init_logging(verbose: bool, quiet: bool) {
    let default = if verbose {
        "debug"
    } else if quiet {
        "warn"
    } else {
        "info"
    };
    // The AWS SDK's own warnings are multi-line debug dumps of what the error line then says in
    // one line (no credentials, an unreachable endpoint): only its errors are shown.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{default},aws_config=error,aws_smithy_runtime=error"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| mlpipe_core::progress::ConsoleWriter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}
