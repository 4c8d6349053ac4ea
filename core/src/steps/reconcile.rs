//! Step `reconcile`: calls the plugin's `reconcile` and `labels`, checks every record, makes the
//! missing splits, and writes the data snapshot: `records.parquet`, `id2label.json` and the
//! manifest (written last: its presence marks a complete snapshot).

use super::snapshot::{archive, read_manifest, should_run, timestamp, Existing};
use crate::data::{assign_splits, id2label_json, to_toml, write_records, DataManifest, LabelCounts, RESERVED_COLUMNS};
use crate::hash::{sha256_file, sha256_hex, InputsHash};
use crate::job::Job;
use crate::plugin::Plugin;
use crate::{Error, Result};
use mlpipe_plugin_api::host::Either;
use mlpipe_plugin_api::{Record, Split};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// What the step did.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconcileReport {
    /// The snapshot was up to date and left alone.
    pub skipped: bool,
    /// The snapshot's manifest (the existing one when skipped).
    pub manifest: DataManifest,
    /// Where the snapshot is, `<exp>/data/`.
    pub uri: String,
    /// Where a replaced snapshot was archived.
    pub archived_to: Option<String>,
}

/// Runs the step.
///
/// # Errors
/// An existing snapshot (per `existing`), a failing plugin, an invalid record (unknown label,
/// duplicate or empty id, reserved field name), no records, or storage failures.
pub fn reconcile(job: &Job, plugin: &Plugin, existing: Existing) -> Result<ReconcileReport> {
    let layout = &job.layout;
    let settings = &job.settings;
    let manifest_key = layout.data_manifest();
    let (inputs_sha256, data_source_sha256) = inputs_hash(job, plugin)?;
    let previous: Option<DataManifest> = read_manifest(job, &manifest_key)?;
    let uri = job.storage.uri(&layout.data_prefix());
    if let Some(manifest) = &previous {
        if !should_run(Some(&manifest.inputs_sha256), &inputs_sha256, existing, &uri)? {
            return Ok(ReconcileReport { skipped: true, manifest: manifest.clone(), uri, archived_to: None });
        }
    } else if job.storage.exists(&layout.records())? {
        // Records without a manifest: an interrupted earlier run. Still never overwritten silently.
        should_run(Some(""), &inputs_sha256, existing, &job.storage.uri(&layout.records()))?;
    }

    let started = Instant::now();
    let labels = checked_labels(plugin)?;
    let label_ids: HashMap<String, i64> = labels.iter().enumerate().map(|(id, l)| (l.clone(), id as i64)).collect();
    let mut records = collect_records(plugin, &label_ids)?;
    let plan = assign_splits(
        &mut records,
        settings.data.validation_fraction,
        settings.data.test_fraction,
        settings.experiment.seed,
    );
    let records_uri = job.storage.uri(&layout.records());
    let records_bytes = write_records(&records, &label_ids, &records_uri)?;
    let id2label = id2label_json(&labels);

    let (counts, splits) = counts(&labels, &records);
    let manifest = DataManifest {
        created: timestamp(),
        mlpipe_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs_sha256,
        plugin_file: plugin.path.display().to_string(),
        plugin_sha256: plugin.sha256.clone(),
        data_source: settings.data.source.as_ref().map(|p| p.display().to_string()),
        data_source_sha256,
        records_sha256: sha256_hex(&records_bytes),
        id2label_sha256: sha256_hex(id2label.as_bytes()),
        num_records: records.len(),
        num_labels: labels.len(),
        splits_made: plan.describe(
            settings.data.validation_fraction,
            settings.data.test_fraction,
            settings.experiment.seed,
        ),
        splits,
        labels: counts,
    };

    // Only now, with the new snapshot complete in memory, is the old one moved away.
    let archived_to = if previous.is_some() || job.storage.exists(&layout.records())? {
        archive(job, &layout.data_prefix(), "data")?
    } else {
        None
    };
    let manifest_uri = job.storage.uri(&manifest_key);
    job.storage.put(&layout.records(), &records_bytes)?;
    job.storage.put(&layout.id2label(), id2label.as_bytes())?;
    job.storage.put(&manifest_key, to_toml(&manifest, &manifest_uri)?.as_bytes())?;
    tracing::info!(
        "reconcile: {} records, {} labels in {:.1}s",
        manifest.num_records,
        manifest.num_labels,
        started.elapsed().as_secs_f64()
    );
    Ok(ReconcileReport { skipped: false, manifest, uri, archived_to })
}

/// The hash of everything the snapshot is made from (plugin, data source and its content, split
/// fractions, seed, plugin options), and the data source's own SHA-256 when it is a file.
fn inputs_hash(job: &Job, plugin: &Plugin) -> Result<(String, Option<String>)> {
    let settings = &job.settings;
    let data_source_sha256 = match &settings.data.source {
        Some(path) if path.is_file() => Some(sha256_file(path)?),
        _ => None,
    };
    let inputs_sha256 = InputsHash::new()
        .with("plugin_sha256", &plugin.sha256)
        .with("data_source", settings.data.source.as_ref().map(|p| p.display().to_string()).unwrap_or_default())
        .with("data_source_sha256", data_source_sha256.as_deref().unwrap_or(""))
        .with("validation_fraction", settings.data.validation_fraction)
        .with("test_fraction", settings.data.test_fraction)
        .with("seed", settings.experiment.seed)
        .with("plugin_options", format!("{:?}", settings.plugin))
        .finish();
    Ok((inputs_sha256, data_source_sha256))
}

/// Records per label and split, and per split, of records that all have a split; warns of a
/// label without training records.
fn counts(labels: &[String], records: &[Record]) -> (BTreeMap<String, LabelCounts>, BTreeMap<String, usize>) {
    let mut counts: BTreeMap<String, LabelCounts> = labels
        .iter()
        .enumerate()
        .map(|(id, label)| (label.clone(), LabelCounts { id, ..LabelCounts::default() }))
        .collect();
    let mut splits: BTreeMap<String, usize> = Split::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
    for record in records {
        let split = record.split.expect("assign_splits gives every record a split");
        let entry = counts.get_mut(&record.label).expect("labels were checked");
        match split {
            Split::Train => entry.train += 1,
            Split::Validation => entry.validation += 1,
            Split::Test => entry.test += 1,
        }
        *splits.get_mut(split.as_str()).expect("all splits present") += 1;
    }
    for (label, count) in &counts {
        if count.train == 0 {
            tracing::warn!("label {label:?} has no training records");
        }
    }
    (counts, splits)
}

fn checked_labels(plugin: &Plugin) -> Result<Vec<String>> {
    let labels = plugin.experiment.labels()?;
    let problem = |problem: String| Error::PluginContract { function: "labels", problem };
    if labels.is_empty() {
        return Err(problem("returned no labels".into()));
    }
    let mut seen = HashSet::new();
    for label in &labels {
        if label.trim().is_empty() {
            return Err(problem("returned an empty label name".into()));
        }
        if !seen.insert(label) {
            return Err(problem(format!("returned label {label:?} twice")));
        }
    }
    Ok(labels)
}

fn collect_records(plugin: &Plugin, label_ids: &HashMap<String, i64>) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    let mut ids = HashSet::new();
    let started = Instant::now();
    let result = plugin.experiment.reconcile(|record: Record| -> Result<()> {
        let bad = |problem: String| Error::BadRecord { id: record.id.clone(), problem };
        if record.id.is_empty() {
            return Err(bad("empty record id".into()));
        }
        if !label_ids.contains_key(&record.label) {
            let known: Vec<&str> = label_ids.keys().map(String::as_str).collect();
            return Err(bad(format!(
                "label {:?} is not one of labels() ({} labels, e.g. {:?})",
                record.label,
                known.len(),
                &known[..known.len().min(3)]
            )));
        }
        if let Some(name) = record.fields.keys().find(|name| RESERVED_COLUMNS.contains(&name.as_str())) {
            return Err(bad(format!("field name {name:?} is reserved ({RESERVED_COLUMNS:?})")));
        }
        if !ids.insert(record.id.clone()) {
            return Err(bad("duplicate record id".into()));
        }
        records.push(record);
        if records.len() % 5000 == 0 {
            tracing::info!("reconcile: {} records ({:.1}s)", records.len(), started.elapsed().as_secs_f64());
        }
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(Either::Left(err)) => return Err(err),
        Err(Either::Right(err)) => return Err(err.into()),
    }
    if records.is_empty() {
        return Err(Error::PluginContract { function: "reconcile", problem: "produced no records".into() });
    }
    Ok(records)
}
