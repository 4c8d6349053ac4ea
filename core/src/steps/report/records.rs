//! The text of the records the report quotes, read from the experiment's data snapshot
//! (`data/records.parquet`): a record's `text` field when it has one, else its fields as
//! `name: value` lines.

use crate::data::read_records;
use crate::job::Job;
use crate::Result;
use std::collections::{BTreeSet, HashMap};

/// The text of each record of `ids` found in the snapshot; ids not there are left out.
///
/// # Errors
/// Storage failures, or a snapshot that is not a records file.
pub fn record_texts(job: &Job, ids: &BTreeSet<&str>) -> Result<HashMap<String, String>> {
    let key = job.layout.records();
    if ids.is_empty() || !job.storage.exists(&key)? {
        return Ok(HashMap::new());
    }
    let records = read_records(job.storage.get(&key)?, &job.storage.uri(&key))?;
    Ok(records
        .into_iter()
        .filter(|record| ids.contains(record.id.as_str()))
        .map(|record| {
            let text = match record.fields.get("text") {
                Some(text) => text.clone(),
                None => {
                    record.fields.iter().map(|(name, value)| format!("{name}: {value}")).collect::<Vec<_>>().join("\n")
                }
            };
            (record.id, text)
        })
        .collect())
}
