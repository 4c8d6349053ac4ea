//! Parquet encoding shared by every table mlpipe writes: one writer configuration (zstd, row
//! groups of 8,192 rows, statistics on) and whole-object reads from bytes, so the same code serves
//! local and remote storage.

use crate::{Error, Result};
use arrow::array::RecordBatch;
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

const ROW_GROUP_SIZE: usize = 8192;

/// Encodes one batch as a Parquet file in memory.
///
/// # Errors
/// An encoding failure (reported against `uri`).
pub fn encode(batch: &RecordBatch, uri: &str) -> Result<Vec<u8>> {
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(|err| Error::data_file(uri, err))?))
        .set_max_row_group_row_count(Some(ROW_GROUP_SIZE))
        .set_created_by(format!("mlpipe {}", env!("CARGO_PKG_VERSION")))
        .build();
    let mut bytes = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut bytes, batch.schema(), Some(props)).map_err(|err| Error::data_file(uri, err))?;
    writer.write(batch).map_err(|err| Error::data_file(uri, err))?;
    writer.close().map_err(|err| Error::data_file(uri, err))?;
    Ok(bytes)
}

/// Decodes a whole Parquet file into one batch per row group.
///
/// # Errors
/// Not a Parquet file, or a decoding failure (reported against `uri`).
pub fn decode(bytes: Vec<u8>, uri: &str) -> Result<Vec<RecordBatch>> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(Bytes::from(bytes))
        .and_then(|builder| builder.with_batch_size(ROW_GROUP_SIZE).build())
        .map_err(|err| Error::data_file(uri, err))?;
    reader.collect::<Result<Vec<_>, _>>().map_err(|err| Error::data_file(uri, err))
}
