//! The `Experiment` trait: the five user functions an mlpipe plugin implements, in call order.

use crate::{Context, Features, Model, PluginError, Record};
use tch::Device;

/// An experiment plugin. The host creates one value with [`Experiment::new`] per process and
/// calls the other functions on it; `prepare` is called from several threads at once.
///
/// # Example
///
/// A complete plugin: records from a `label,text` file, and one model, `mean`, that averages
/// word embeddings (see [`VarStoreModel`](crate::VarStoreModel)). `runner new` writes a fuller one.
///
/// ```no_run
/// use mlpipe_plugin_api::tch::nn::{Init, VarStore};
/// use mlpipe_plugin_api::tch::{Device, Kind, TchError, Tensor};
/// use mlpipe_plugin_api::{
///     export_experiment, Context, Experiment, Features, Model, PluginError, Record, RecordSink, VarStoreModel,
/// };
///
/// struct Sentiment;
///
/// impl Experiment for Sentiment {
///     fn new(ctx: &Context) -> Result<Self, PluginError> {
///         match ctx.model_names.iter().find(|name| *name != "mean") {
///             Some(name) => Err(PluginError::new(format!("unknown model {name:?}"))),
///             None => Ok(Sentiment),
///         }
///     }
///
///     fn reconcile(&self, ctx: &Context, sink: &mut RecordSink<'_>) -> Result<(), PluginError> {
///         let path = ctx.data_source.as_ref().ok_or_else(|| PluginError::new("data.source is not set"))?;
///         for (index, line) in std::fs::read_to_string(path)?.lines().enumerate() {
///             let (label, text) = line
///                 .split_once(',')
///                 .ok_or_else(|| PluginError::new(format!("{}:{}: no comma", path.display(), index + 1)))?;
///             sink.push(Record::new(format!("line-{}", index + 1), label).with_field("text", text))?;
///         }
///         Ok(())
///     }
///
///     fn labels(&self) -> Result<Vec<String>, PluginError> {
///         Ok(vec!["negative".to_string(), "positive".to_string()])
///     }
///
///     fn prepare(&self, _model: &str, record: &Record) -> Result<Features, PluginError> {
///         let text = record.field("text").ok_or_else(|| PluginError::new("no text field"))?;
///         // A real plugin tokenises; word lengths keep the example short.
///         let mut ids: Vec<i64> = text.split_whitespace().map(|word| 1 + word.len().min(99) as i64).collect();
///         let mut mask = vec![1; ids.len()];
///         if ids.is_empty() {
///             (ids, mask) = (vec![0], vec![0]);
///         }
///         Ok(Features::new().int("input_ids", ids).int("attention_mask", mask))
///     }
///
///     fn ordered_input_keys(&self, _model: &str) -> Result<Vec<String>, PluginError> {
///         Ok(vec!["input_ids".to_string(), "attention_mask".to_string()])
///     }
///
///     fn load_model(&self, _model: &str, num_labels: usize, device: Device) -> Result<Box<dyn Model>, PluginError> {
///         let vs = VarStore::new(device);
///         let table = vs.root().f_var("embedding", &[101, 16], Init::Randn { mean: 0.0, stdev: 0.1 })?;
///         let weight = vs.root().f_var("weight", &[num_labels as i64, 16], Init::Const(0.0))?;
///         let forward = move |inputs: &[Tensor], train: bool| -> Result<Tensor, TchError> {
///             let mask = inputs[1].f_to_kind(Kind::Float)?.f_unsqueeze(-1)?;
///             let summed = Tensor::f_embedding(&table, &inputs[0], 0, false, false)?.f_mul(&mask)?;
///             let mean = summed.f_sum_dim_intlist(1, false, None)?.f_div(&mask.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?)?;
///             mean.f_dropout(0.1, train)?.f_linear::<Tensor>(&weight, None)
///         };
///         Ok(Box::new(VarStoreModel::new(vs, forward)))
///     }
/// }
///
/// export_experiment!(Sentiment);
/// ```
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
