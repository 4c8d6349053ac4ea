//! `prepared/<split>.parquet`: the model inputs of every record of one split. Columns: `id`,
//! `label` (the class id), then each model's inputs as `list<int64>` or `list<float>` columns —
//! named as the input (`input_ids`) for a single model, or prefixed (`bow_input_ids`) in a
//! comparison job, where all models share the `id` and `label` columns.

use super::parquet_io;
use crate::{Error, Result};
use arrow::array::{ArrayRef, Float32Array, Int64Array, ListArray, RecordBatch, StringArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, Schema};
use mlpipe_plugin_api::{Features, Values};
use std::sync::Arc;

/// The column of input `feature` of `model`: prefixed only in comparison jobs.
pub fn column_name(model: &str, feature: &str, comparison: bool) -> String {
    if comparison {
        format!("{model}_{feature}")
    } else {
        feature.to_string()
    }
}

/// One model's inputs for a sequence of records, checked to have the same names and types for
/// every record.
#[derive(Debug, Default)]
pub struct PreparedColumns {
    inputs: Vec<InputColumn>,
}

#[derive(Debug)]
struct InputColumn {
    name: String,
    lengths: Vec<usize>,
    values: Values,
}

impl PreparedColumns {
    /// Appends one record's inputs.
    ///
    /// # Errors
    /// A message (the caller names the record) when the names or types differ from the first
    /// record's.
    pub fn push(&mut self, features: Features) -> Result<(), String> {
        if self.inputs.is_empty() && !features.entries.is_empty() && self.rows() == 0 {
            self.inputs = features
                .entries
                .iter()
                .map(|(name, values)| InputColumn {
                    name: name.clone(),
                    lengths: Vec::new(),
                    values: empty_like(values),
                })
                .collect();
        }
        let names: Vec<&str> = features.entries.iter().map(|(name, _)| name.as_str()).collect();
        let expected: Vec<&str> = self.inputs.iter().map(|input| input.name.as_str()).collect();
        if names != expected {
            return Err(format!("inputs {names:?} differ from the first record's {expected:?}"));
        }
        for (input, (name, values)) in self.inputs.iter_mut().zip(features.entries) {
            input.lengths.push(values.len());
            match (&mut input.values, values) {
                (Values::Int(all), Values::Int(new)) => all.extend(new),
                (Values::Float(all), Values::Float(new)) => all.extend(new),
                _ => return Err(format!("input `{name}` changes type between int and float")),
            }
        }
        Ok(())
    }

    /// Input names with their type (`int64` or `float32`), in the plugin's order.
    pub fn schema(&self) -> Vec<(String, &'static str)> {
        self.inputs
            .iter()
            .map(|input| (input.name.clone(), if matches!(input.values, Values::Int(_)) { "int64" } else { "float32" }))
            .collect()
    }

    /// Number of records pushed.
    pub fn rows(&self) -> usize {
        self.inputs.first().map_or(0, |input| input.lengths.len())
    }

    /// Mean and maximum length of input `name`.
    pub fn length_stats(&self, name: &str) -> Option<(f64, usize)> {
        let input = self.inputs.iter().find(|input| input.name == name)?;
        let total: usize = input.lengths.iter().sum();
        let max = input.lengths.iter().copied().max().unwrap_or(0);
        Some((total as f64 / input.lengths.len().max(1) as f64, max))
    }

    fn into_arrays(self) -> Vec<(String, ArrayRef)> {
        self.inputs
            .into_iter()
            .map(|input| {
                let (item, values): (DataType, ArrayRef) = match input.values {
                    Values::Int(values) => (DataType::Int64, Arc::new(Int64Array::from(values))),
                    Values::Float(values) => (DataType::Float32, Arc::new(Float32Array::from(values))),
                };
                let field = Arc::new(Field::new("item", item, false));
                let offsets = OffsetBuffer::<i32>::from_lengths(input.lengths);
                (input.name, Arc::new(ListArray::new(field, offsets, values, None)) as ArrayRef)
            })
            .collect()
    }
}

fn empty_like(values: &Values) -> Values {
    match values {
        Values::Int(_) => Values::Int(Vec::new()),
        Values::Float(_) => Values::Float(Vec::new()),
    }
}

/// The prepared table of one split: ids and class ids, plus each model's columns.
#[derive(Debug)]
pub struct PreparedTable {
    /// Record ids, one per row.
    pub ids: Vec<String>,
    /// Class id of each row.
    pub labels: Vec<i64>,
    /// `(model, columns)` in `model_names` order.
    pub models: Vec<(String, PreparedColumns)>,
}

impl PreparedTable {
    /// Encodes the table as Parquet; `comparison` prefixes the columns with the model name.
    ///
    /// # Errors
    /// Models with a different number of rows than ids, or an encoding failure.
    pub fn encode(self, comparison: bool, uri: &str) -> Result<Vec<u8>> {
        let mut fields = vec![Field::new("id", DataType::Utf8, false), Field::new("label", DataType::Int64, false)];
        let mut columns: Vec<ArrayRef> =
            vec![Arc::new(StringArray::from(self.ids.clone())), Arc::new(Int64Array::from(self.labels))];
        for (model, inputs) in self.models {
            if inputs.rows() != self.ids.len() {
                return Err(Error::data_file(
                    uri,
                    format!("model {model}: {} rows for {} ids", inputs.rows(), self.ids.len()),
                ));
            }
            for (name, array) in inputs.into_arrays() {
                fields.push(Field::new(column_name(&model, &name, comparison), array.data_type().clone(), false));
                columns.push(array);
            }
        }
        let batch =
            RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|err| Error::data_file(uri, err))?;
        parquet_io::encode(&batch, uri)
    }
}

/// Joins single-model tables of one split (each `id`, `label`, then the model's inputs under
/// their own names: what [`PreparedTable::encode`] writes for one model without prefixes, as the
/// prepared-data cache keeps them) into the split's prepared table, models in the given order;
/// `comparison` prefixes the inputs with the model name.
///
/// # Errors
/// No models, tables whose `id` or `label` columns differ from the first model's, or an encoding
/// failure.
pub fn join_models(models: &[(String, Vec<RecordBatch>)], comparison: bool, uri: &str) -> Result<Vec<u8>> {
    let mut fields = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (index, (model, batches)) in models.iter().enumerate() {
        let schema = batches
            .first()
            .map(RecordBatch::schema)
            .ok_or_else(|| Error::data_file(uri, format!("model {model}: no rows")))?;
        let batch = arrow::compute::concat_batches(&schema, batches).map_err(|err| Error::data_file(uri, err))?;
        if batch.num_columns() < 3 || schema.field(0).name() != "id" || schema.field(1).name() != "label" {
            return Err(Error::data_file(uri, format!("model {model}: expected id, label and inputs, got {schema}")));
        }
        if index == 0 {
            fields.extend([Field::new("id", DataType::Utf8, false), Field::new("label", DataType::Int64, false)]);
            columns.extend([batch.column(0).clone(), batch.column(1).clone()]);
        } else if batch.column(0).to_data() != columns[0].to_data() || batch.column(1).to_data() != columns[1].to_data()
        {
            return Err(Error::data_file(
                uri,
                format!("model {model}: ids or labels differ from model {}'s", models[0].0),
            ));
        }
        for (field, array) in schema.fields().iter().zip(batch.columns()).skip(2) {
            fields.push(Field::new(column_name(model, field.name(), comparison), array.data_type().clone(), false));
            columns.push(array.clone());
        }
    }
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|err| Error::data_file(uri, err))?;
    parquet_io::encode(&batch, uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_inputs_that_change_between_records() {
        let mut columns = PreparedColumns::default();
        columns.push(Features::new().int("input_ids", vec![1, 2])).unwrap();
        let err = columns.push(Features::new().int("ids", vec![1])).unwrap_err();
        assert!(err.contains("input_ids"), "{err}");
        let err = columns.push(Features::new().float("input_ids", vec![1.0])).unwrap_err();
        assert!(err.contains("type"), "{err}");
    }

    #[test]
    fn encodes_variable_length_lists_with_prefixes_in_comparisons() {
        let mut a = PreparedColumns::default();
        a.push(Features::new().int("input_ids", vec![1, 2, 3])).unwrap();
        a.push(Features::new().int("input_ids", vec![4])).unwrap();
        let mut b = PreparedColumns::default();
        b.push(Features::new().float("features", vec![0.5])).unwrap();
        b.push(Features::new().float("features", vec![1.5])).unwrap();
        assert_eq!(a.length_stats("input_ids"), Some((2.0, 3)));
        let table = PreparedTable {
            ids: vec!["x".into(), "y".into()],
            labels: vec![0, 1],
            models: vec![("a".into(), a), ("b".into(), b)],
        };
        let bytes = table.encode(true, "mem").unwrap();
        let batches = parquet_io::decode(bytes, "mem").unwrap();
        let schema = batches[0].schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["id", "label", "a_input_ids", "b_features"]);
        let ids = batches[0].column(2).as_any().downcast_ref::<ListArray>().unwrap();
        assert_eq!(ids.value_offsets(), &[0, 3, 4]);
    }

    fn one_model(name: &str, ids: &[&str], rows: &[Vec<i64>]) -> (String, Vec<RecordBatch>) {
        let mut columns = PreparedColumns::default();
        for row in rows {
            columns.push(Features::new().int("input_ids", row.clone())).unwrap();
        }
        let table = PreparedTable {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            labels: (0..ids.len() as i64).collect(),
            models: vec![(name.into(), columns)],
        };
        (name.into(), parquet_io::decode(table.encode(false, "mem").unwrap(), "mem").unwrap())
    }

    #[test]
    fn joining_single_model_tables_gives_the_table_prepare_writes() {
        let rows_a = [vec![1, 2, 3], vec![4]];
        let rows_b = [vec![7], vec![8, 9]];
        let joined =
            join_models(&[one_model("a", &["x", "y"], &rows_a), one_model("b", &["x", "y"], &rows_b)], true, "mem")
                .unwrap();
        let mut a = PreparedColumns::default();
        let mut b = PreparedColumns::default();
        for (row_a, row_b) in rows_a.iter().zip(&rows_b) {
            a.push(Features::new().int("input_ids", row_a.clone())).unwrap();
            b.push(Features::new().int("input_ids", row_b.clone())).unwrap();
        }
        let direct = PreparedTable {
            ids: vec!["x".into(), "y".into()],
            labels: vec![0, 1],
            models: vec![("a".into(), a), ("b".into(), b)],
        };
        assert_eq!(joined, direct.encode(true, "mem").unwrap(), "byte for byte");

        let err =
            join_models(&[one_model("a", &["x", "y"], &rows_a), one_model("b", &["y", "x"], &rows_b)], true, "mem")
                .unwrap_err();
        assert!(err.to_string().contains("model b: ids or labels differ from model a's"), "{err}");
    }
}
