//! [`BertClassifier`]: a BERT-family encoder with a sequence-classification head, as a
//! [`Model`] the mlpipe trainer fine-tunes, exports and evaluates.
//!
//! forward(`input_ids` int64 `[B, L]`, `attention_mask` int64 `[B, L]`
//! [, `token_type_ids` int64 `[B, L]`]) → logits `[B, num_labels]`.
//!
//! Two poolings: [`Pooling::Cls`] is Hugging Face's `BertForSequenceClassification` (pooler
//! `tanh(W·h[CLS] + b)`, dropout, linear), and [`Pooling::Mean`] averages the last hidden states
//! over real tokens (what sentence-transformers checkpoints such as all-MiniLM-L6-v2 were trained
//! for), then dropout and linear. The head is named `classifier.weight`/`classifier.bias` as in
//! Hugging Face, so weights saved here load in `transformers` with a `bert.` prefix.
//!
//! [`BertClassifier::with_windows`] reads each row as consecutive windows of a fixed length,
//! pools every window on its own and averages the pooled vectors of the real windows.

use crate::config::BertConfig;
use crate::dropout::dropout;
use crate::encoder::BertEncoder;
use crate::error::TransformerError;
use crate::weights::{load_pretrained, LoadReport};
use mlpipe_plugin_api::{load_var_store, save_var_store, sorted_variables, Model, PluginError};
use std::path::Path;
use std::str::FromStr;
use tch::nn::{Init, VarStore};
use tch::{Device, Kind, TchError, Tensor};

/// How the token states become one vector per sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pooling {
    /// The pooler over the first (`[CLS]`) token, as `BertForSequenceClassification`.
    Cls,
    /// The mean over real (mask 1) tokens, as sentence-transformers.
    Mean,
}

impl FromStr for Pooling {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "cls" => Ok(Self::Cls),
            "mean" => Ok(Self::Mean),
            other => Err(format!("expected cls or mean, got {other:?}")),
        }
    }
}

/// A BERT-family sequence classifier on its own `VarStore`.
#[derive(Debug)]
pub struct BertClassifier {
    vs: VarStore,
    encoder: BertEncoder,
    /// `pooler.dense`, present with [`Pooling::Cls`].
    pooler: Option<(Tensor, Tensor)>,
    classifier_weight: Tensor,
    classifier_bias: Tensor,
    pooling: Pooling,
    dropout: f64,
    train: bool,
    /// With [`BertClassifier::with_windows`]: the length of each window of the inputs.
    window: Option<i64>,
    hidden: i64,
}

impl BertClassifier {
    /// A freshly initialised classifier (every weight random, as Hugging Face initialises).
    ///
    /// # Errors
    /// `num_labels` of 0, an invalid configuration, or a libtorch error (e.g. no such device).
    pub fn new(
        config: &BertConfig,
        num_labels: usize,
        pooling: Pooling,
        device: Device,
    ) -> Result<Self, TransformerError> {
        if num_labels == 0 {
            return Err(TransformerError::Inputs("a classifier needs at least 1 label, got num_labels = 0".into()));
        }
        let vs = VarStore::new(device);
        let root = vs.root();
        let encoder = BertEncoder::new(&root, config)?;
        let hidden = config.hidden_size;
        let init = Init::Randn { mean: 0.0, stdev: config.initializer_range };
        let pooler = match pooling {
            Pooling::Cls => {
                let dense = &root / "pooler" / "dense";
                Some((
                    dense.f_var("weight", &[hidden, hidden], init)?,
                    dense.f_var("bias", &[hidden], Init::Const(0.0))?,
                ))
            }
            Pooling::Mean => None,
        };
        let head = &root / "classifier";
        let labels = num_labels as i64;
        let classifier_weight = head.f_var("weight", &[labels, hidden], init)?;
        let classifier_bias = head.f_var("bias", &[labels], Init::Const(0.0))?;
        Ok(Self {
            vs,
            encoder,
            pooler,
            classifier_weight,
            classifier_bias,
            pooling,
            dropout: config.hidden_dropout_prob,
            train: true,
            window: None,
            hidden,
        })
    }

    /// The classifier of a pretrained checkpoint folder holding `config.json` and
    /// `model.safetensors` (Hugging Face layout): the encoder (and the pooler, when the file has
    /// one) load from the file, the classification head starts fresh.
    ///
    /// # Errors
    /// Missing or malformed files, a checkpoint of another architecture.
    pub fn from_pretrained(
        dir: &Path,
        num_labels: usize,
        pooling: Pooling,
        device: Device,
    ) -> Result<(Self, LoadReport), TransformerError> {
        let config = BertConfig::from_file(&dir.join("config.json"))?;
        let model = Self::new(&config, num_labels, pooling, device)?;
        let report = load_pretrained(&model.vs, &dir.join("model.safetensors"), &["classifier.", "pooler."])?;
        Ok((model, report))
    }

    /// The same classifier reading each input row as consecutive windows of `length` tokens
    /// (what [`TextEncoder::with_windows`](crate::TextEncoder::with_windows) writes): every window
    /// is encoded and pooled on its own, and the pooled vectors of the windows that hold a real
    /// token are averaged before the head. Rows are `[B, W·length]`; a window of padding only
    /// (a shorter document in the batch) counts for nothing.
    pub fn with_windows(mut self, length: usize) -> Self {
        self.window = Some(length as i64);
        self
    }

    /// The underlying variables.
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }

    /// The encoder, for callers that want hidden states.
    pub fn encoder(&self) -> &BertEncoder {
        &self.encoder
    }

    /// Logits from the inputs (see the module documentation for their order).
    ///
    /// # Errors
    /// Wrong number, rank or kind of inputs; libtorch errors.
    pub fn logits(&self, inputs: &[Tensor]) -> Result<Tensor, TransformerError> {
        let (ids, mask, types) = match inputs {
            [ids, mask] => (ids, mask, None),
            [ids, mask, types] => (ids, mask, Some(types)),
            _ => {
                return Err(TransformerError::Inputs(format!(
                    "expected 2 or 3 inputs (input_ids, attention_mask[, token_type_ids]), got {}",
                    inputs.len()
                )))
            }
        };
        for (name, tensor) in [("input_ids", Some(ids)), ("attention_mask", Some(mask)), ("token_type_ids", types)] {
            if let Some(tensor) = tensor {
                if tensor.dim() != 2 || tensor.kind() != Kind::Int64 {
                    return Err(TransformerError::Inputs(format!(
                        "{name} must be int64 [batch, length], got {:?} {:?}",
                        tensor.kind(),
                        tensor.size()
                    )));
                }
            }
        }
        match self.window {
            None => {
                let pooled = self.pooled(ids, mask, mask, types)?;
                Ok(self.classify(&pooled)?)
            }
            Some(length) => Ok(self.windowed(length, ids, mask, types)?),
        }
    }

    /// One pooled vector per row of `ids`: the encoder attends to the keys of `keys`, the mean
    /// pooling averages the tokens of `mask`.
    fn pooled(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        keys: &Tensor,
        types: Option<&Tensor>,
    ) -> Result<Tensor, TransformerError> {
        let states = self.encoder.hidden_states(ids, keys, types, self.train)?;
        let last = states.last().ok_or_else(|| TransformerError::Inputs("encoder has no layers".into()))?;
        Ok(self.pool(last, mask)?)
    }

    fn pool(&self, last: &Tensor, mask: &Tensor) -> Result<Tensor, TchError> {
        match (&self.pooler, self.pooling) {
            (Some((weight, bias)), Pooling::Cls) => last.f_select(1, 0)?.f_linear(weight, Some(bias))?.f_tanh(),
            _ => {
                let weights = mask.f_unsqueeze(-1)?.f_to_kind(last.kind())?;
                let count = weights.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?;
                last.f_mul(&weights)?.f_sum_dim_intlist(1, false, None)?.f_div(&count)
            }
        }
    }

    fn classify(&self, pooled: &Tensor) -> Result<Tensor, TchError> {
        dropout(pooled, self.dropout, self.train)?.f_linear(&self.classifier_weight, Some(&self.classifier_bias))
    }

    /// [`BertClassifier::logits`] of windowed rows. No size is read on the Rust side, so a trace
    /// holds for any batch size and number of windows.
    fn windowed(&self, length: i64, ids: &Tensor, mask: &Tensor, types: Option<&Tensor>) -> Result<Tensor, TchError> {
        // [B, W·L] → [B, W, L] → [B·W, L]
        let windows = |t: &Tensor| t.f_unflatten(1, [-1, length]);
        let flat = |t: &Tensor| windows(t)?.f_flatten(0, 1);
        // [B, W]: 1 for a window with a real token.
        let real = windows(mask)?.f_amax([-1], false)?;
        let (ids, mask) = (flat(ids)?, flat(mask)?);
        let types = types.map(flat).transpose()?;
        // A window of padding only attends to its first position, so that attention has a key
        // (no NaN); its pooled vector is left out of the average below.
        let empty = real.f_flatten(0, 1)?.f_eq(0)?.f_unsqueeze(-1)?; // [B·W, 1]
        let first = ids.f_ones_like()?.f_cumsum(1, Kind::Int64)?.f_eq(1)?; // [B·W, L]
        let keys = mask.f_ne(0)?.f_logical_or(&first.f_logical_and(&empty)?)?.f_to_kind(Kind::Int64)?;
        let pooled = self.pooled(&ids, &mask, &keys, types.as_ref()).map_err(|err| TchError::Kind(err.to_string()))?;
        // [B·W, H] → [B, W, H], then the mean over each row's real windows.
        let weights = real.f_to_kind(pooled.kind())?.f_unsqueeze(-1)?; // [B, W, 1]
        let pooled = pooled.f_reshape_as(&weights.f_expand([-1, -1, self.hidden], false)?)?;
        let count = weights.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?; // [B, 1]
        let document = pooled.f_mul(&weights)?.f_sum_dim_intlist(1, false, None)?.f_div(&count)?;
        self.classify(&document)
    }
}

impl Model for BertClassifier {
    fn forward(&self, inputs: &[Tensor]) -> Result<Tensor, PluginError> {
        Ok(self.logits(inputs)?)
    }

    fn set_train(&mut self, train: bool) -> Result<(), PluginError> {
        self.train = train;
        Ok(())
    }

    fn named_parameters(&self) -> Result<Vec<(String, Tensor)>, PluginError> {
        Ok(sorted_variables(&self.vs))
    }

    fn save_weights(&self, path: &Path) -> Result<(), PluginError> {
        save_var_store(&self.vs, path)
    }

    fn load_weights(&mut self, path: &Path) -> Result<(), PluginError> {
        load_var_store(&self.vs, path)
    }
}
