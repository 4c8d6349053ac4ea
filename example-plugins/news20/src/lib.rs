//! The 20 Newsgroups example experiment for mlpipe. `reconcile` streams `20news-bydate.tar.gz`
//! (`data.source`) into records keeping the corpus's train/test split; the labels are the 20
//! newsgroup folders; `bow` (and `bow_unigram`) classify a hashed bag of words and word pairs with
//! a mean-pooled embedding and a linear layer, and `minilm` fine-tunes the pretrained
//! all-MiniLM-L6-v2 transformer. Options come from the `[plugin]` section of
//! `settings.ini` (see [`options`]; [`imbalance`] makes a skewed corpus for imbalanced-label
//! experiments); `example-plugins/news20/settings.ini` runs it.
#![warn(missing_docs)]

pub mod archive;
pub mod encode;
pub mod experiment;
pub mod fnv;
pub mod imbalance;
pub mod minilm;
pub mod model;
pub mod options;
#[cfg(test)]
mod test_corpus;

pub use experiment::News20;

mlpipe_plugin_api::export_experiment!(News20);

/// The plugin's own Rust allocations (tokenisation above all) use mimalloc: ~25 % of the minilm
/// preparation went to glibc's malloc and free. Memory never changes hands across the plugin
/// boundary without its own deallocator (abi_stable types carry one), so the host may use another.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
