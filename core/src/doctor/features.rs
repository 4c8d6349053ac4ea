//! Checks of one model's inputs: `ordered_input_keys` names distinct inputs, and `prepare` runs on
//! every record, is deterministic (two calls give equal features), produces every input key, and
//! gives each input one dtype across records, never empty.

use super::batch::Prepared;
use super::records::Opened;
use super::Lines;
use mlpipe_plugin_api::{Features, Record, Values};
use std::collections::HashSet;

/// Runs the checks of model `model`'s inputs; `None` when the model cannot be checked further.
pub(super) fn prepare(
    opened: &Opened,
    model: &str,
    records: &[Record],
    prefix: &str,
    lines: &mut Lines<'_>,
) -> Option<Prepared> {
    let keys = opened.experiment.ordered_input_keys(model).map_err(|err| err.to_string());
    let named = keys.as_ref().map_err(Clone::clone).and_then(|keys| check_keys(keys).map(|()| keys.join(", ")));
    if !lines.check(format!("{prefix}: ordered_input_keys names distinct inputs"), named) {
        return None;
    }
    let keys = keys.ok()?;
    let mut prepared = Vec::with_capacity(records.len());
    let mut differs = None;
    for record in records {
        let twice = opened.experiment.prepare(model, record).and_then(|first| {
            let second = opened.experiment.prepare(model, record)?;
            Ok((first, second))
        });
        match twice {
            Ok((first, second)) => {
                if differs.is_none() {
                    differs = first_difference(&first, &second).map(|input| (record.id.clone(), input));
                }
                let label = opened.labels.iter().position(|label| *label == record.label).unwrap_or(0);
                prepared.push((record.id.clone(), label as i64, first));
            }
            Err(err) => {
                lines.check(
                    format!("{prefix}: prepare runs on every record"),
                    Err(format!("record {:?}: {err}", record.id)),
                );
                return None;
            }
        }
    }
    lines.check(format!("{prefix}: prepare runs on every record"), Ok(format!("{} records", records.len())));
    let deterministic = match differs {
        None => Ok("two calls give equal features".to_string()),
        Some((id, input)) => {
            Err(format!("record {id:?}: input {input:?} differs between two calls on the same record"))
        }
    };
    lines.check(format!("{prefix}: prepare is deterministic"), deterministic);
    let complete = prepared.iter().try_for_each(|(id, _, features)| {
        missing_key(features, &keys).map_or(Ok(()), |problem| Err(format!("record {id:?}: {problem}")))
    });
    if !lines
        .check(format!("{prefix}: prepare produces every ordered_input_keys name"), complete.map(|()| keys.join(", ")))
    {
        return None;
    }
    if !lines.check(format!("{prefix}: inputs have consistent dtypes"), dtypes(&keys, &prepared)) {
        return None;
    }
    Some(Prepared::new(&keys, prepared))
}

fn check_keys(keys: &[String]) -> Result<(), String> {
    if keys.is_empty() {
        return Err("no inputs".to_string());
    }
    let mut seen = HashSet::new();
    match keys.iter().find(|key| !seen.insert(key.as_str())) {
        Some(dup) => Err(format!("input {dup:?} is listed twice")),
        None => Ok(()),
    }
}

/// The first input whose values differ between `a` and `b` (or that only one of them has).
fn first_difference(a: &Features, b: &Features) -> Option<String> {
    let names = a.entries.iter().chain(&b.entries).map(|(name, _)| name);
    names.into_iter().find(|name| a.get(name) != b.get(name)).cloned()
}

fn missing_key(features: &Features, keys: &[String]) -> Option<String> {
    let missing = keys.iter().find(|key| features.get(key).is_none())?;
    let produced: Vec<&str> = features.entries.iter().map(|(name, _)| name.as_str()).collect();
    Some(format!("input {missing:?} is missing (prepare gave {produced:?})"))
}

fn dtype(values: &Values) -> &'static str {
    match values {
        Values::Int(_) => "int64",
        Values::Float(_) => "float32",
    }
}

/// Each input's dtype and length range, or the first record that breaks the pattern.
fn dtypes(keys: &[String], prepared: &[(String, i64, Features)]) -> Result<String, String> {
    let mut described = Vec::with_capacity(keys.len());
    for key in keys {
        let (first_id, first) = match prepared.first() {
            Some((id, _, features)) => (id, features.get(key).expect("keys checked")),
            None => return Err("no record prepared".to_string()),
        };
        let (mut shortest, mut longest) = (usize::MAX, 0);
        for (id, _, features) in prepared {
            let values = features.get(key).expect("keys checked");
            if dtype(values) != dtype(first) {
                return Err(format!(
                    "input {key:?} is {} in record {id:?} but {} in record {first_id:?}",
                    dtype(values),
                    dtype(first)
                ));
            }
            if values.is_empty() {
                return Err(format!("input {key:?} is empty in record {id:?}"));
            }
            shortest = shortest.min(values.len());
            longest = longest.max(values.len());
        }
        described.push(format!("{key} {} × {shortest}–{longest}", dtype(first)));
    }
    Ok(described.join(", "))
}
