//! The `Experiment` trait: the five user functions an mlpipe plugin implements, in call order.

use crate::{Context, Features, Model, PluginError, Record};
use tch::Device;

/// An experiment plugin. The host creates one value with [`Experiment::new`] per process and
/// calls the other functions on it; `prepare` is called from several threads at once.
pub trait Experiment: Send + Sync + Sized + 'static {
    /// Opens the experiment: read options, load tokenizers or vocabularies. Called once per
    /// process before any other function.
    ///
    /// # Errors
    /// Anything that makes the experiment unusable (missing files, bad `[plugin]` options).
    fn new(ctx: &Context) -> Result<Self, PluginError>;

    /// Collects the raw data into labelled records, pushing each into `sink`. Called once, by
    /// the `reconcile` step. Records may come in any order; ids must be unique. Give records a
    /// [`Split`](crate::Split) when the data has a canonical one; the host makes the others.
    ///
    /// # Errors
    /// Unreadable data, or an error returned by `sink.push` (propagate it with `?`).
    fn reconcile(&self, ctx: &Context, sink: &mut RecordSink<'_>) -> Result<(), PluginError>;

    /// The label names in id order: label `i` of this list is class `i` of every model. Called by
    /// the `reconcile` step; the result becomes `id2label.json`.
    ///
    /// # Errors
    /// When the label set cannot be determined.
    fn labels(&self) -> Result<Vec<String>, PluginError>;

    /// Encodes one record into the named inputs of model `model_name` (e.g. `input_ids`,
    /// `attention_mask`). Called by the `prepare` step for every record and every model, from
    /// several threads at once; must be deterministic. Sequence inputs are variable-length: the
    /// trainer pads each batch itself.
    ///
    /// # Errors
    /// A record that cannot be encoded (the host names the record in the message).
    fn prepare(&self, model_name: &str, record: &Record) -> Result<Features, PluginError>;

    /// The names of the model's `forward` inputs in positional order; each must be produced by
    /// `prepare`. Called by prepare, training (export) and inference.
    ///
    /// # Errors
    /// An unknown model name.
    fn ordered_input_keys(&self, model_name: &str) -> Result<Vec<String>, PluginError>;

    /// Builds (or loads pretrained weights into) a trainable model with `num_labels` outputs on
    /// `device`. Called by training in every process.
    ///
    /// # Errors
    /// An unknown model name, missing weights, or a libtorch error.
    fn load_model(&self, model_name: &str, num_labels: usize, device: Device) -> Result<Box<dyn Model>, PluginError>;
}

/// Where `reconcile` pushes records. The host may stop the reconciliation by returning an error
/// from [`RecordSink::push`]; propagate it.
pub struct RecordSink<'a> {
    push: &'a mut dyn FnMut(Record) -> Result<(), PluginError>,
}

impl<'a> RecordSink<'a> {
    /// A sink that hands every record to `push` (the host builds one; tests of a plugin can too).
    pub fn new(push: &'a mut dyn FnMut(Record) -> Result<(), PluginError>) -> Self {
        Self { push }
    }

    /// Hands one record to the host.
    ///
    /// # Errors
    /// When the host refuses the record or cannot store it.
    pub fn push(&mut self, record: Record) -> Result<(), PluginError> {
        (self.push)(record)
    }
}
