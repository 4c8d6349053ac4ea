//! The data files passed between steps: the reconciled records and label map, the splits made
//! from them, the prepared model inputs, and the manifests that record their provenance. All
//! tables are Parquet, readable by pandas, pyarrow and HF `datasets`.

mod labels;
mod manifest;
mod parquet_io;
mod prepared;
mod records;
mod split;

pub use labels::{id2label_json, parse_id2label};
pub use manifest::{from_toml, to_toml, DataManifest, LabelCounts, PreparedFile, PreparedManifest, PreparedModel};
pub use parquet_io::decode as decode_parquet;
pub use parquet_io::encode as encode_parquet;
pub use prepared::{column_name, join_models, PreparedColumns, PreparedTable};
pub use records::{read_records, write_records, RESERVED_COLUMNS};
pub use split::{assign_splits, SplitPlan};
