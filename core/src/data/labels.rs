//! `id2label.json`: the label names by class id, in the Hugging Face `config.json` shape
//! (`{"0": "alt.atheism", "1": ...}`), so it drops into a transformers config unchanged.

use crate::{Error, Result};
use std::collections::BTreeMap;

/// Renders the label list as `id2label.json`.
pub fn id2label_json(labels: &[String]) -> String {
    let mut out = String::from("{\n");
    for (id, label) in labels.iter().enumerate() {
        let comma = if id + 1 < labels.len() { "," } else { "" };
        let quoted = serde_json::to_string(label).expect("a string always serialises");
        out.push_str(&format!("  \"{id}\": {quoted}{comma}\n"));
    }
    out.push_str("}\n");
    out
}

/// Parses `id2label.json` back into the label list in id order.
///
/// # Errors
/// Invalid JSON, a non-integer key, or ids that are not exactly `0..n`.
pub fn parse_id2label(text: &str, uri: &str) -> Result<Vec<String>> {
    let map: BTreeMap<String, String> = serde_json::from_str(text).map_err(|err| Error::data_file(uri, err))?;
    let mut by_id: BTreeMap<usize, String> = BTreeMap::new();
    for (key, label) in map {
        let id: usize = key.parse().map_err(|_| Error::data_file(uri, format!("key {key:?} is not a class id")))?;
        by_id.insert(id, label);
    }
    if by_id.keys().enumerate().any(|(expected, &id)| expected != id) {
        return Err(Error::data_file(uri, "class ids are not 0..n"));
    }
    Ok(by_id.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_labels_in_id_order_beyond_ten() {
        let labels: Vec<String> = (0..12).map(|i| format!("label \"{i}\"")).collect();
        let text = id2label_json(&labels);
        assert_eq!(parse_id2label(&text, "x").unwrap(), labels);
    }

    #[test]
    fn rejects_gaps_in_ids() {
        let err = parse_id2label(r#"{"0": "a", "2": "b"}"#, "id2label.json").unwrap_err().to_string();
        assert!(err.contains("id2label.json") && err.contains("0..n"), "{err}");
    }
}
