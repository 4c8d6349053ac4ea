//! `records.parquet`: the reconciled, labelled records with their final split. Columns: `id`,
//! `label`, `label_id`, `split`, then one nullable text column per record field, sorted by name.

use super::parquet_io;
use crate::{Error, Result};
use arrow::array::{Array, ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use mlpipe_plugin_api::{Record, Split};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Column names of `records.parquet` that a record field may not use.
pub const RESERVED_COLUMNS: [&str; 4] = ["id", "label", "label_id", "split"];

/// Encodes records (each must have a split and a label in `label_ids`) as Parquet.
///
/// # Errors
/// A record without a split or with an unknown label (callers validate first), or an encoding
/// failure.
pub fn write_records(records: &[Record], label_ids: &HashMap<String, i64>, uri: &str) -> Result<Vec<u8>> {
    let field_names: BTreeSet<&str> =
        records.iter().flat_map(|record| record.fields.keys().map(String::as_str)).collect();
    let mut label_id = Vec::with_capacity(records.len());
    let mut split = Vec::with_capacity(records.len());
    for record in records {
        let bad = |problem: &str| Error::BadRecord { id: record.id.clone(), problem: problem.to_string() };
        label_id.push(*label_ids.get(&record.label).ok_or_else(|| bad("label not in labels()"))?);
        split.push(record.split.ok_or_else(|| bad("no split assigned"))?.as_str());
    }
    let mut fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("label", DataType::Utf8, false),
        Field::new("label_id", DataType::Int64, false),
        Field::new("split", DataType::Utf8, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.id.as_str()))),
        Arc::new(StringArray::from_iter_values(records.iter().map(|r| r.label.as_str()))),
        Arc::new(Int64Array::from(label_id)),
        Arc::new(StringArray::from(split)),
    ];
    for name in field_names {
        fields.push(Field::new(name, DataType::Utf8, true));
        columns.push(Arc::new(records.iter().map(|r| r.field(name)).collect::<StringArray>()));
    }
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|err| Error::data_file(uri, err))?;
    parquet_io::encode(&batch, uri)
}

/// Decodes `records.parquet` back into records (fields that are null are absent).
///
/// # Errors
/// Not a records file written by [`write_records`].
pub fn read_records(bytes: Vec<u8>, uri: &str) -> Result<Vec<Record>> {
    let mut records = Vec::new();
    for batch in parquet_io::decode(bytes, uri)? {
        let text = |name: &str| -> Result<&StringArray> {
            batch
                .column_by_name(name)
                .and_then(|column| column.as_any().downcast_ref::<StringArray>())
                .ok_or_else(|| Error::data_file(uri, format!("missing text column `{name}`")))
        };
        let (ids, labels, splits) = (text("id")?, text("label")?, text("split")?);
        let schema = batch.schema();
        let field_columns: Vec<(&str, &StringArray)> = schema
            .fields()
            .iter()
            .map(|field| field.name().as_str())
            .filter(|name| !RESERVED_COLUMNS.contains(name))
            .map(|name| text(name).map(|column| (name, column)))
            .collect::<Result<_>>()?;
        for row in 0..batch.num_rows() {
            let split = Split::parse(splits.value(row))
                .ok_or_else(|| Error::data_file(uri, format!("row {row}: bad split {:?}", splits.value(row))))?;
            let mut record = Record::new(ids.value(row), labels.value(row)).with_split(split);
            for (name, column) in &field_columns {
                if column.is_valid(row) {
                    record.fields.insert((*name).to_string(), column.value(row).to_string());
                }
            }
            records.push(record);
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_with_missing_fields() {
        let records = vec![
            Record::new("a", "x").with_split(Split::Train).with_field("text", "hello").with_field("title", "t"),
            Record::new("b", "y").with_split(Split::Test).with_field("text", "world"),
        ];
        let ids = HashMap::from([("x".to_string(), 0), ("y".to_string(), 1)]);
        let bytes = write_records(&records, &ids, "mem").unwrap();
        assert_eq!(read_records(bytes, "mem").unwrap(), records);
    }

    #[test]
    fn refuses_a_record_without_split() {
        let records = vec![Record::new("a", "x")];
        let ids = HashMap::from([("x".to_string(), 0)]);
        let err = write_records(&records, &ids, "mem").unwrap_err().to_string();
        assert!(err.contains("\"a\"") && err.contains("no split"), "{err}");
    }

    #[test]
    fn garbage_is_reported_against_its_uri() {
        let err = read_records(b"not parquet".to_vec(), "s3://b/records.parquet").unwrap_err().to_string();
        assert!(err.starts_with("s3://b/records.parquet: "), "{err}");
    }
}
