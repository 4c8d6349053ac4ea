//! One model's split in memory: ids, class ids and each forward input as one flat value buffer
//! with row offsets, decoded from a prepared Parquet file (see `data::prepared`). Flat buffers
//! keep 10k rows × 500 ids in a handful of allocations, so batching copies slices, never
//! elements one by one.

use crate::{Error, Result};
use arrow::array::{Array, ArrayRef, AsArray, GenericListArray, OffsetSizeTrait, RecordBatch};
use arrow::datatypes::{DataType, Float32Type, Int64Type};
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

/// Rows decoded per record batch: whole row groups as `data::parquet_io` writes them.
const READ_BATCH_ROWS: usize = 8192;

/// One model's split, in memory, inputs in `ordered_input_keys` order.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// Record ids, in row order.
    pub ids: Vec<String>,
    /// Label index per row.
    pub labels: Vec<i64>,
    /// The forward inputs, one column each.
    pub inputs: Vec<InputColumn>,
}

/// One forward input of every row: row `i` is `values[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Clone, PartialEq)]
pub struct InputColumn {
    /// The input's name (a key of `ordered_input_keys`), not its Parquet column.
    pub name: String,
    /// `len + 1` offsets into `values`, starting at 0.
    pub offsets: Vec<usize>,
    /// The values of every row, concatenated.
    pub values: ColumnValues,
}

/// The flat values of an input column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    /// An integer column (token ids, masks).
    Int(Vec<i64>),
    /// A float column (features).
    Float(Vec<f32>),
}

impl InputColumn {
    fn new(name: &str, values: ColumnValues) -> Self {
        Self { name: name.to_string(), offsets: vec![0], values }
    }

    /// Length of row `row`.
    ///
    /// # Panics
    /// If `row` is out of range.
    pub fn row_len(&self, row: usize) -> usize {
        self.offsets[row + 1] - self.offsets[row]
    }
}

impl Dataset {
    /// Decodes a prepared Parquet file keeping only `id`, `label` and the given inputs;
    /// `inputs` = `[(input name, column name)]` in forward order. Other columns are not decoded.
    ///
    /// # Errors
    /// Not a Parquet file, a missing column, a column of the wrong type or with nulls; each
    /// reported against `uri` and naming the column.
    pub fn from_parquet(bytes: Vec<u8>, uri: &str, inputs: &[(String, String)]) -> Result<Dataset> {
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes)).map_err(|err| Error::data_file(uri, err))?;
        let schema = builder.schema().clone();
        let index_of =
            |column: &str| schema.index_of(column).map_err(|_| Error::data_file(uri, format!("no column `{column}`")));
        let mut roots = vec![index_of("id")?, index_of("label")?];
        let mut columns = Vec::with_capacity(inputs.len());
        for (name, column) in inputs {
            let index = index_of(column)?;
            roots.push(index);
            let data_type = schema.field(index).data_type();
            let values = match data_type {
                DataType::List(item) | DataType::LargeList(item) if item.data_type() == &DataType::Int64 => {
                    ColumnValues::Int(Vec::new())
                }
                DataType::List(item) | DataType::LargeList(item) if item.data_type() == &DataType::Float32 => {
                    ColumnValues::Float(Vec::new())
                }
                _ => {
                    return Err(Error::data_file(
                        uri,
                        format!("column `{column}` is {data_type}, expected a list of int64 or float"),
                    ))
                }
            };
            columns.push((column.as_str(), InputColumn::new(name, values)));
        }
        let rows = builder.metadata().file_metadata().num_rows().max(0) as usize;
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(READ_BATCH_ROWS)
            .build()
            .map_err(|err| Error::data_file(uri, err))?;
        let mut ids = Vec::with_capacity(rows);
        let mut labels = Vec::with_capacity(rows);
        for batch in reader {
            let batch = batch.map_err(|err| Error::data_file(uri, err))?;
            append_ids(&mut ids, column_of(&batch, "id", uri)?, uri)?;
            append_labels(&mut labels, column_of(&batch, "label", uri)?, uri)?;
            for (column, input) in &mut columns {
                append_list(input, column_of(&batch, column, uri)?, column, uri)?;
            }
        }
        Ok(Dataset { ids, labels, inputs: columns.into_iter().map(|(_, input)| input).collect() })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the split has no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Sequence length of a row: the length of its first input (0 when there are no inputs).
    ///
    /// # Panics
    /// If `row` is out of range.
    pub fn length(&self, row: usize) -> usize {
        self.inputs.first().map_or(0, |input| input.row_len(row))
    }

    /// [`Dataset::length`] of every row.
    pub fn lengths(&self) -> Vec<usize> {
        match self.inputs.first() {
            Some(input) => input.offsets.windows(2).map(|pair| pair[1] - pair[0]).collect(),
            None => vec![0; self.len()],
        }
    }

    /// Checks that every label is a class id in `0..num_labels`.
    ///
    /// # Errors
    /// The first row whose label is out of range, reported against `uri` and the `label` column.
    pub fn check_labels(&self, num_labels: usize, uri: &str) -> Result<()> {
        match self.labels.iter().position(|&label| label < 0 || label as u64 >= num_labels as u64) {
            Some(row) => Err(Error::data_file(
                uri,
                format!(
                    "column `label`: record {:?} has class id {}, expected 0..{num_labels}",
                    self.ids[row], self.labels[row]
                ),
            )),
            None => Ok(()),
        }
    }
}

fn column_of<'a>(batch: &'a RecordBatch, column: &str, uri: &str) -> Result<&'a ArrayRef> {
    batch.column_by_name(column).ok_or_else(|| Error::data_file(uri, format!("no column `{column}`")))
}

fn no_nulls(array: &dyn Array, column: &str, uri: &str) -> Result<()> {
    if array.null_count() > 0 {
        return Err(Error::data_file(uri, format!("column `{column}` has {} null values", array.null_count())));
    }
    Ok(())
}

fn append_ids(ids: &mut Vec<String>, array: &ArrayRef, uri: &str) -> Result<()> {
    no_nulls(array, "id", uri)?;
    match array.data_type() {
        DataType::Utf8 => ids.extend(array.as_string::<i32>().iter().map(|id| id.unwrap_or_default().to_string())),
        DataType::LargeUtf8 => ids.extend(array.as_string::<i64>().iter().map(|id| id.unwrap_or_default().to_string())),
        other => return Err(Error::data_file(uri, format!("column `id` is {other}, expected utf8"))),
    }
    Ok(())
}

fn append_labels(labels: &mut Vec<i64>, array: &ArrayRef, uri: &str) -> Result<()> {
    no_nulls(array, "label", uri)?;
    let array = array
        .as_primitive_opt::<Int64Type>()
        .ok_or_else(|| Error::data_file(uri, format!("column `label` is {}, expected int64", array.data_type())))?;
    labels.extend_from_slice(array.values());
    Ok(())
}

fn append_list(input: &mut InputColumn, array: &ArrayRef, column: &str, uri: &str) -> Result<()> {
    no_nulls(array, column, uri)?;
    match array.data_type() {
        DataType::List(_) => append_offsets(input, array.as_list::<i32>(), column, uri),
        DataType::LargeList(_) => append_offsets(input, array.as_list::<i64>(), column, uri),
        other => Err(Error::data_file(uri, format!("column `{column}` is {other}, expected a list"))),
    }
}

/// Appends one batch of a list column: its offsets rebased onto the values already held (a
/// sliced list array need not start at offset 0) and its value range copied as one slice.
fn append_offsets<O: OffsetSizeTrait>(
    input: &mut InputColumn,
    list: &GenericListArray<O>,
    column: &str,
    uri: &str,
) -> Result<()> {
    let offsets = list.value_offsets();
    let (first, last) = (offsets[0].as_usize(), offsets[offsets.len() - 1].as_usize());
    let items = list.values();
    no_nulls(items.as_ref(), column, uri)?;
    let base = *input.offsets.last().expect("offsets start with 0");
    input.offsets.extend(offsets[1..].iter().map(|offset| base + offset.as_usize() - first));
    let wrong_type = || Error::data_file(uri, format!("column `{column}` changes item type to {}", items.data_type()));
    match &mut input.values {
        ColumnValues::Int(values) => values
            .extend_from_slice(&items.as_primitive_opt::<Int64Type>().ok_or_else(wrong_type)?.values()[first..last]),
        ColumnValues::Float(values) => values
            .extend_from_slice(&items.as_primitive_opt::<Float32Type>().ok_or_else(wrong_type)?.values()[first..last]),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{PreparedColumns, PreparedTable};
    use mlpipe_plugin_api::Features;

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(input, column)| (input.to_string(), column.to_string())).collect()
    }

    /// A comparison-style file: model `a` with ids and a mask, model `b` with float features.
    fn encoded(rows: usize) -> Vec<u8> {
        let (mut a, mut b) = (PreparedColumns::default(), PreparedColumns::default());
        for row in 0..rows {
            let ids: Vec<i64> = (0..(row % 4) as i64 + 1).map(|i| 100 * row as i64 + i).collect();
            let mask = vec![1; ids.len()];
            a.push(Features::new().int("input_ids", ids).int("attention_mask", mask)).unwrap();
            b.push(Features::new().float("features", vec![row as f32, 0.5])).unwrap();
        }
        let table = PreparedTable {
            ids: (0..rows).map(|row| format!("r{row}")).collect(),
            labels: (0..rows as i64).map(|row| row % 3).collect(),
            models: vec![("a".into(), a), ("b".into(), b)],
        };
        table.encode(true, "mem").unwrap()
    }

    #[test]
    fn round_trips_only_the_requested_inputs_in_forward_order() {
        let inputs = pairs(&[("attention_mask", "a_attention_mask"), ("input_ids", "a_input_ids")]);
        let data = Dataset::from_parquet(encoded(5), "mem", &inputs).unwrap();
        assert_eq!(data.len(), 5);
        assert_eq!(data.ids, ["r0", "r1", "r2", "r3", "r4"]);
        assert_eq!(data.labels, [0, 1, 2, 0, 1]);
        let names: Vec<&str> = data.inputs.iter().map(|input| input.name.as_str()).collect();
        assert_eq!(names, ["attention_mask", "input_ids"]);
        assert_eq!(data.inputs[1].offsets, [0, 1, 3, 6, 10, 11]);
        assert_eq!(data.lengths(), [1, 2, 3, 4, 1]);
        assert_eq!(data.length(3), 4);
        let ColumnValues::Int(values) = &data.inputs[1].values else { panic!("input_ids should be int") };
        assert_eq!(&values[1..3], [100, 101]);
    }

    #[test]
    fn reads_float_inputs() {
        let data = Dataset::from_parquet(encoded(3), "mem", &pairs(&[("features", "b_features")])).unwrap();
        assert_eq!(data.inputs[0].values, ColumnValues::Float(vec![0.0, 0.5, 1.0, 0.5, 2.0, 0.5]));
        assert_eq!(data.lengths(), [2, 2, 2]);
    }

    #[test]
    fn joins_several_row_groups() {
        // 20,000 rows span three row groups of 8,192 rows.
        let rows = 20_000;
        let data = Dataset::from_parquet(encoded(rows), "mem", &pairs(&[("input_ids", "a_input_ids")])).unwrap();
        assert_eq!(data.len(), rows);
        let expected: Vec<usize> = (0..rows).map(|row| row % 4 + 1).collect();
        assert_eq!(data.lengths(), expected);
        let ColumnValues::Int(values) = &data.inputs[0].values else { panic!("input_ids should be int") };
        let last = &values[data.inputs[0].offsets[rows - 1]..];
        assert_eq!(last, [1_999_900, 1_999_901, 1_999_902, 1_999_903]);
    }

    #[test]
    fn missing_column_error_names_file_and_column() {
        let err = Dataset::from_parquet(encoded(2), "s3://b/train.parquet", &pairs(&[("input_ids", "input_ids")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("s3://b/train.parquet") && err.contains("`input_ids`"), "{err}");
    }

    #[test]
    fn wrong_column_type_error_names_the_column() {
        let err = Dataset::from_parquet(encoded(2), "mem", &pairs(&[("input_ids", "id")])).unwrap_err().to_string();
        assert!(err.contains("column `id`") && err.contains("expected a list"), "{err}");
    }

    #[test]
    fn garbage_bytes_are_a_data_file_error() {
        let err = Dataset::from_parquet(b"not parquet".to_vec(), "mem", &[]).unwrap_err();
        assert!(matches!(err, Error::DataFile { ref uri, .. } if uri == "mem"), "{err}");
    }

    #[test]
    fn check_labels_names_the_first_bad_record() {
        let data = Dataset::from_parquet(encoded(4), "mem", &[]).unwrap();
        assert!(data.check_labels(3, "mem").is_ok());
        let err = data.check_labels(2, "mem").unwrap_err().to_string();
        assert!(err.contains("\"r2\"") && err.contains("label"), "{err}");
        assert_eq!(data.lengths(), [0, 0, 0, 0]);
    }
}
