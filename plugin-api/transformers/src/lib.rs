//! Pretrained encoders for mlpipe plugins: a BERT-family sequence classifier in `tch`
//! ([`BertClassifier`], a ready [`mlpipe_plugin_api::Model`]) that loads Hugging Face checkpoints
//! (`config.json` + `model.safetensors`), and [`TextEncoder`], the matching `tokenizer.json`
//! tokeniser. A plugin's `load_model` returns `BertClassifier::from_pretrained(dir, …)` and its
//! `prepare` returns `TextEncoder::encode(text)`; everything else is the trainer's.
#![warn(missing_docs)]

mod classifier;
mod config;
mod dropout;
mod encoder;
mod error;
mod locate;
mod tokenizer;
mod truncation;
mod weights;

pub use classifier::{BertClassifier, Pooling};
pub use config::{Activation, BertConfig};
pub use dropout::dropout;
pub use encoder::BertEncoder;
pub use error::TransformerError;
pub use locate::find_site_package_model;
pub use tokenizer::{EncodedText, TextEncoder};
pub use truncation::{Truncation, TruncationMode};
pub use weights::{load_pretrained, LoadReport};
