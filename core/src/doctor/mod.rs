//! The plugin doctor behind `runner check`: a few seconds of checks that a plugin keeps the
//! contract of the five user functions, run on the first records it reconciles, on the CPU, with
//! nothing written to the experiment. Each check prints one line as it finishes ([`CheckLine`]);
//! a failed check names the record, input or shape at fault. Checks that need what a failed one
//! would have produced (an opened experiment, prepared records, a model) are not run.
//!
//! The checks, in order: the library (`library.rs`), the experiment's options, labels and first
//! records (`records.rs`), then for each model its prepared inputs (`features.rs`, on batches
//! made as the trainer makes them, `batch.rs`) and the model itself (`model.rs`).

mod batch;
mod features;
mod library;
mod model;
mod records;

use crate::settings::Settings;
use std::fmt;
use std::path::Path;

/// What `runner check` is asked to do besides the plugin and the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DoctorOptions {
    /// How many reconciled records the checks use (the first ones the plugin pushes).
    pub records: usize,
}

impl Default for DoctorOptions {
    fn default() -> Self {
        Self { records: 32 }
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// Whether the check passed.
    pub passed: bool,
    /// What was checked, e.g. `model tiny: prepare is deterministic`.
    pub name: String,
    /// What was seen (passed) or why it failed.
    pub detail: String,
}

impl fmt::Display for CheckLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = if self.passed { '✓' } else { '✗' };
        write!(f, "{mark} {}: {}", self.name, self.detail)
    }
}

/// Collects the outcomes and hands each line to the caller as soon as it is known.
pub(crate) struct Lines<'a> {
    sink: &'a mut dyn FnMut(&CheckLine),
    failed: usize,
}

impl Lines<'_> {
    /// Records one outcome: `Ok(detail)` passes, `Err(reason)` fails. Returns whether it passed.
    pub(crate) fn check(&mut self, name: impl Into<String>, outcome: Result<String, String>) -> bool {
        let passed = outcome.is_ok();
        let detail = outcome.unwrap_or_else(|reason| reason);
        let line = CheckLine { passed, name: name.into(), detail };
        self.failed += usize::from(!passed);
        (self.sink)(&line);
        passed
    }
}

/// Runs every check of the plugin at `plugin` against `settings`, handing each line to `report`
/// as it is made. Returns the number of failed checks (0: the plugin is ready for a run).
pub fn diagnose(
    plugin: &Path,
    settings: &Settings,
    options: DoctorOptions,
    report: &mut dyn FnMut(&CheckLine),
) -> usize {
    let mut lines = Lines { sink: report, failed: 0 };
    run_checks(plugin, settings, options, &mut lines);
    lines.failed
}

fn run_checks(plugin: &Path, settings: &Settings, options: DoctorOptions, lines: &mut Lines<'_>) {
    let Some(library) = library::load(plugin, lines) else { return };
    let Some(opened) = records::open(&library, settings, lines) else { return };
    let Some(records) = records::reconcile(&opened, options.records, lines) else { return };
    for model in &settings.experiment.model_names {
        let prefix = format!("model {model}");
        let Some(prepared) = features::prepare(&opened, model, &records, &prefix, lines) else {
            continue;
        };
        let learning_rate = settings.training_for(model).learning_rate;
        model::check(&opened, model, &prepared, learning_rate, &prefix, lines);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_show_a_mark_the_check_and_the_detail_and_failures_are_counted() {
        let mut shown = Vec::new();
        let mut sink = |line: &CheckLine| shown.push(line.to_string());
        let mut lines = Lines { sink: &mut sink, failed: 0 };
        assert!(lines.check("labels are distinct", Ok("3 labels".to_string())));
        assert!(!lines.check("prepare is deterministic", Err("record \"r1\" differs".to_string())));
        let failed = lines.failed;
        assert_eq!(failed, 1);
        assert_eq!(shown, ["✓ labels are distinct: 3 labels", "✗ prepare is deterministic: record \"r1\" differs"]);
    }
}
