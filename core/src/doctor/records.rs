//! Checks of the experiment itself: `new` accepts the `[plugin]` options, `labels` is a usable
//! label list, and the first records `reconcile` pushes are usable (ids unique and non-empty,
//! labels among `labels()`, text fields present).

use super::Lines;
use crate::plugin::context;
use crate::settings::Settings;
use mlpipe_plugin_api::host::{Either, HostExperiment, PluginLibrary};
use mlpipe_plugin_api::Record;
use std::collections::HashSet;

/// The opened experiment and its labels.
pub(super) struct Opened {
    pub experiment: HostExperiment,
    pub labels: Vec<String>,
}

/// Opens the experiment and checks its labels; `None` when either fails.
pub(super) fn open(library: &PluginLibrary, settings: &Settings, lines: &mut Lines<'_>) -> Option<Opened> {
    let experiment = match library.open(&context(settings)) {
        Ok(experiment) => {
            let keys: Vec<&str> = settings.plugin.keys().map(String::as_str).collect();
            let detail =
                if keys.is_empty() { "no options".to_string() } else { format!("options {}", keys.join(", ")) };
            lines.check("new accepts the [plugin] options", Ok(detail));
            experiment
        }
        Err(err) => {
            lines.check("new accepts the [plugin] options", Err(err.to_string()));
            return None;
        }
    };
    let labels = experiment.labels().map_err(|err| err.to_string()).and_then(|labels| {
        check_labels(&labels)?;
        Ok(labels)
    });
    let detail = labels.as_ref().map(|labels| format!("{} labels: {}", labels.len(), shorten(labels)));
    lines.check("labels are non-empty and distinct", detail.map_err(Clone::clone));
    Some(Opened { experiment, labels: labels.ok()? })
}

fn check_labels(labels: &[String]) -> Result<(), String> {
    if labels.is_empty() {
        return Err("labels() returned no labels".to_string());
    }
    if let Some(index) = labels.iter().position(String::is_empty) {
        return Err(format!("label {index} is an empty name"));
    }
    let mut seen = HashSet::new();
    match labels.iter().find(|label| !seen.insert(label.as_str())) {
        Some(dup) => Err(format!("label {dup:?} is listed twice")),
        None => Ok(()),
    }
}

/// The first names of a list, for a detail that stays on one line.
fn shorten(names: &[String]) -> String {
    const SHOWN: usize = 8;
    let head = names.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if names.len() > SHOWN {
        format!("{head}, …")
    } else {
        head
    }
}

/// Why the doctor stopped `reconcile`: it has its records.
struct Enough;

/// Reconciles the first `limit` records and checks them; `None` when reconcile fails or gives
/// none. Failed record checks still return the records, so prepare and the models are checked too.
pub(super) fn reconcile(opened: &Opened, limit: usize, lines: &mut Lines<'_>) -> Option<Vec<Record>> {
    let name = format!("reconcile gives records (first {limit})");
    let mut records = Vec::new();
    let outcome = opened.experiment.reconcile(|record| {
        records.push(record);
        if records.len() >= limit {
            Err(Enough)
        } else {
            Ok(())
        }
    });
    // A plugin that ignores the sink's refusal may push more.
    records.truncate(limit);
    match outcome {
        Err(Either::Right(err)) => {
            lines.check(name, Err(format!("{err} (after {} records)", records.len())));
            return None;
        }
        Ok(()) | Err(Either::Left(Enough)) if records.is_empty() => {
            lines.check(name, Err("reconcile pushed no record".to_string()));
            return None;
        }
        Ok(()) | Err(Either::Left(Enough)) => lines.check(name, Ok(format!("{} records", records.len()))),
    };
    lines.check("record ids are unique and non-empty", check_ids(&records));
    lines.check("record labels are among labels()", check_record_labels(&records, &opened.labels));
    lines.check("records have text fields", check_fields(&records));
    Some(records)
}

fn check_ids(records: &[Record]) -> Result<String, String> {
    if let Some(index) = records.iter().position(|record| record.id.trim().is_empty()) {
        return Err(format!("record {} (label {:?}) has an empty id", index + 1, records[index].label));
    }
    let mut seen = HashSet::new();
    match records.iter().find(|record| !seen.insert(record.id.as_str())) {
        Some(dup) => Err(format!("id {:?} is pushed twice", dup.id)),
        None => Ok(format!("{} distinct ids", records.len())),
    }
}

fn check_record_labels(records: &[Record], labels: &[String]) -> Result<String, String> {
    match records.iter().find(|record| !labels.contains(&record.label)) {
        Some(bad) => Err(format!("record {:?} has label {:?}, which labels() lacks", bad.id, bad.label)),
        None => {
            let used: HashSet<&str> = records.iter().map(|record| record.label.as_str()).collect();
            Ok(format!("{} of {} labels used", used.len(), labels.len()))
        }
    }
}

fn check_fields(records: &[Record]) -> Result<String, String> {
    let empty = |record: &&Record| record.fields.is_empty() || record.fields.keys().any(|name| name.trim().is_empty());
    if let Some(bad) = records.iter().find(empty) {
        return Err(format!("record {:?} has no text field (or one with an empty name)", bad.id));
    }
    let mut names: Vec<&str> = records.iter().flat_map(|record| record.fields.keys().map(String::as_str)).collect();
    names.sort_unstable();
    names.dedup();
    Ok(format!("fields {}", names.join(", ")))
}
