//! Dispatch: loads settings and the plugin once, then runs the requested steps in pipeline order
//! and prints a short summary of each on stdout.

use crate::cli::{Cli, Step};
use mlpipe_core::job::Job;
use mlpipe_core::plugin::Plugin;
use mlpipe_core::settings::Settings;
use mlpipe_core::steps::{self, Existing};
use mlpipe_core::{Error, Result};

/// Runs the command.
///
/// # Errors
/// Bad settings, a plugin that cannot be loaded, or a failing step.
pub fn run(cli: &Cli) -> Result<()> {
    let settings = Settings::load(&cli.settings, &cli.overrides)?;
    let all = cli.steps.is_empty() || cli.steps.contains(&Step::All);
    let mut requested: Vec<Step> =
        if all { vec![Step::Reconcile, Step::Prepare, Step::Train, Step::Infer] } else { cli.steps.clone() };
    requested.sort();
    requested.dedup();
    if let Some(step) = requested.iter().find(|step| matches!(step, Step::Tune)) {
        return Err(Error::Unsupported {
            what: format!(
                "step `{}` is not available in this build yet (available: reconcile, prepare, train, infer)",
                step_name(*step)
            ),
        });
    }
    if cli.resume.is_some() && !requested.contains(&Step::Train) {
        return Err(Error::Unsupported { what: "--resume applies to the train step".into() });
    }
    let existing = match (cli.force, all) {
        (true, _) => Existing::Replace,
        (false, true) => Existing::ReuseIfSame,
        (false, false) => Existing::Refuse,
    };
    let job = Job::open(settings)?;
    let plugin = Plugin::open(&cli.plugin, &job.settings)?;
    if cli.run.is_some() && !requested.contains(&Step::Infer) {
        return Err(Error::Unsupported { what: "--run applies to the infer step".into() });
    }
    let mut trained = None;
    for step in requested {
        match step {
            Step::Reconcile => {
                let report = steps::reconcile(&job, &plugin, existing)?;
                let m = &report.manifest;
                let verb = if report.skipped { "up to date, reused" } else { "wrote" };
                println!(
                    "reconcile: {verb} {} records, {} labels (train {}, validation {}, test {}) in {}",
                    m.num_records,
                    m.num_labels,
                    m.splits["train"],
                    m.splits["validation"],
                    m.splits["test"],
                    report.uri
                );
                if let Some(archive) = report.archived_to {
                    println!("reconcile: the previous snapshot was moved to {archive}");
                }
            }
            Step::Prepare => {
                let report = steps::prepare(&job, &plugin, existing)?;
                let m = &report.manifest;
                let verb = if report.skipped { "up to date, reused" } else { "wrote" };
                let files: Vec<String> = m.files.iter().map(|(split, file)| format!("{split} {}", file.rows)).collect();
                let models: Vec<String> = m
                    .models
                    .iter()
                    .map(|model| {
                        format!("{} [{}] mean length {:.0}", model.name, model.input_keys.join(", "), model.mean_length)
                    })
                    .collect();
                println!(
                    "prepare: {verb} {} ({}) for {} in {}",
                    files.join(", "),
                    m.files.len(),
                    models.join("; "),
                    report.uri
                );
                if let Some(archive) = report.archived_to {
                    println!("prepare: the previous prepared data was moved to {archive}");
                }
            }
            Step::Train => {
                let report = steps::train(&job, &plugin, cli.resume)?;
                println!("train: run {} finished: {}", report.run.num(), report.run_uri);
                trained = Some(report.run.num());
            }
            Step::Infer => {
                steps::infer(&job, cli.run.or(trained))?;
            }
            Step::Tune | Step::All => unreachable!("filtered above"),
        }
    }
    Ok(())
}

fn step_name(step: Step) -> &'static str {
    match step {
        Step::Reconcile => "reconcile",
        Step::Prepare => "prepare",
        Step::Train => "train",
        Step::Tune => "tune",
        Step::Infer => "infer",
        Step::All => "all",
    }
}
