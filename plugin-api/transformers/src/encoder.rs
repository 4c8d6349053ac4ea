//! [`BertEncoder`]: embeddings and the stack of post-LayerNorm transformer layers of BERT, with
//! Hugging Face's parameter names (`embeddings.word_embeddings.weight`,
//! `encoder.layer.3.attention.self.query.weight`, …) so its weights load straight from a Hugging
//! Face checkpoint.
//!
//! Every operation is tensor arithmetic that does not read a size or a value on the Rust side
//! (positions come from a cumulative sum, heads from `unflatten`), so a TorchScript trace of it
//! is valid for any batch size and sequence length. Attention is libtorch's fused
//! `scaled_dot_product_attention`, with dropout on the attention weights while training.

use crate::config::{Activation, BertConfig};
use tch::nn::{Init, Path};
use tch::{Kind, TchError, Tensor};

/// A linear layer's weight `[out, in]` and bias `[out]`.
#[derive(Debug)]
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    fn new(path: &Path, inputs: i64, outputs: i64, std: f64) -> Result<Self, TchError> {
        Ok(Self {
            weight: path.f_var("weight", &[outputs, inputs], Init::Randn { mean: 0.0, stdev: std })?,
            bias: path.f_var("bias", &[outputs], Init::Const(0.0))?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor, TchError> {
        x.f_linear(&self.weight, Some(&self.bias))
    }
}

/// A LayerNorm's scale and shift, named `weight` and `bias` as in PyTorch.
#[derive(Debug)]
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f64,
}

impl LayerNorm {
    fn new(path: &Path, size: i64, eps: f64) -> Result<Self, TchError> {
        Ok(Self {
            weight: path.f_var("weight", &[size], Init::Const(1.0))?,
            bias: path.f_var("bias", &[size], Init::Const(0.0))?,
            eps,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor, TchError> {
        let size = self.weight.size();
        x.f_layer_norm(&size, Some(&self.weight), Some(&self.bias), self.eps, true)
    }
}

/// One transformer layer: self-attention, then the feed-forward block, each followed by dropout,
/// a residual connection and LayerNorm.
#[derive(Debug)]
struct Layer {
    query: Linear,
    key: Linear,
    value: Linear,
    attention_output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

impl Layer {
    fn new(path: &Path, config: &BertConfig) -> Result<Self, TchError> {
        let (hidden, std, eps) = (config.hidden_size, config.initializer_range, config.layer_norm_eps);
        let attention = path / "attention";
        let this = &attention / "self";
        let out = &attention / "output";
        Ok(Self {
            query: Linear::new(&(&this / "query"), hidden, hidden, std)?,
            key: Linear::new(&(&this / "key"), hidden, hidden, std)?,
            value: Linear::new(&(&this / "value"), hidden, hidden, std)?,
            attention_output: Linear::new(&(&out / "dense"), hidden, hidden, std)?,
            attention_norm: LayerNorm::new(&(&out / "LayerNorm"), hidden, eps)?,
            intermediate: Linear::new(&(path / "intermediate" / "dense"), hidden, config.intermediate_size, std)?,
            output: Linear::new(&(path / "output" / "dense"), config.intermediate_size, hidden, std)?,
            output_norm: LayerNorm::new(&(path / "output" / "LayerNorm"), hidden, eps)?,
        })
    }
}

/// The token, position and token-type embeddings with their LayerNorm, and the layer stack.
#[derive(Debug)]
pub struct BertEncoder {
    word_embeddings: Tensor,
    position_embeddings: Tensor,
    token_type_embeddings: Tensor,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: i64,
    head_size: i64,
    activation: Activation,
    hidden_dropout: f64,
    attention_dropout: f64,
}

impl BertEncoder {
    /// Creates the encoder's variables under `path` (Hugging Face names, no `bert.` prefix),
    /// initialised as Hugging Face initialises a fresh model: N(0, initializer_range) weights,
    /// zero biases, unit LayerNorm scales, padding row of the token embeddings zero.
    ///
    /// # Errors
    /// An invalid configuration or a libtorch error.
    pub fn new(path: &Path, config: &BertConfig) -> Result<Self, TchError> {
        let activation = config.activation().map_err(TchError::Kind)?;
        config.validate().map_err(TchError::Kind)?;
        let std = config.initializer_range;
        let init = Init::Randn { mean: 0.0, stdev: std };
        let embeddings = path / "embeddings";
        let hidden = config.hidden_size;
        let word_embeddings = (&embeddings / "word_embeddings").f_var("weight", &[config.vocab_size, hidden], init)?;
        if (0..config.vocab_size).contains(&config.pad_token_id) {
            tch::no_grad(|| word_embeddings.f_get(config.pad_token_id)?.f_zero_().map(drop))?;
        }
        let position_embeddings =
            (&embeddings / "position_embeddings").f_var("weight", &[config.max_position_embeddings, hidden], init)?;
        let token_type_embeddings =
            (&embeddings / "token_type_embeddings").f_var("weight", &[config.type_vocab_size, hidden], init)?;
        let embedding_norm = LayerNorm::new(&(&embeddings / "LayerNorm"), hidden, config.layer_norm_eps)?;
        let stack = path / "encoder" / "layer";
        let layers = (0..config.num_hidden_layers)
            .map(|index| Layer::new(&(&stack / index), config))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            word_embeddings,
            position_embeddings,
            token_type_embeddings,
            embedding_norm,
            layers,
            heads: config.num_attention_heads,
            head_size: config.head_size(),
            activation,
            hidden_dropout: config.hidden_dropout_prob,
            attention_dropout: config.attention_probs_dropout_prob,
        })
    }

    /// The hidden states: `[embeddings, after layer 1, …, after layer N]`, each `[B, L, H]`.
    ///
    /// `input_ids` and `attention_mask` are int64 `[B, L]` (mask 1 for real tokens, 0 for
    /// padding); `token_type_ids` defaults to zeros. Dropout applies when `train` is set.
    ///
    /// # Errors
    /// Shape or kind mismatches, ids out of range, libtorch errors.
    pub fn hidden_states(
        &self,
        input_ids: &Tensor,
        attention_mask: &Tensor,
        token_type_ids: Option<&Tensor>,
        train: bool,
    ) -> Result<Vec<Tensor>, TchError> {
        // Positions 0..L of every row, computed without reading L so traces stay shape-generic.
        let positions = input_ids.f_ones_like()?.f_cumsum(1, Kind::Int64)?.f_sub_scalar(1)?;
        let types = match token_type_ids {
            Some(types) => types.shallow_clone(),
            None => input_ids.f_zeros_like()?,
        };
        let embedded = Tensor::f_embedding(&self.word_embeddings, input_ids, -1, false, false)?
            .f_add(&Tensor::f_embedding(&self.position_embeddings, &positions, -1, false, false)?)?
            .f_add(&Tensor::f_embedding(&self.token_type_embeddings, &types, -1, false, false)?)?;
        let mut x = self.embedding_norm.forward(&embedded)?.f_dropout(self.hidden_dropout, train)?;
        // [B, 1, 1, L]: true where a key may be attended to.
        let keys = attention_mask.f_ne(0)?.f_unsqueeze(1)?.f_unsqueeze(1)?;
        let mut states = Vec::with_capacity(self.layers.len() + 1);
        states.push(x.shallow_clone());
        for layer in &self.layers {
            x = self.layer(layer, &x, &keys, train)?;
            states.push(x.shallow_clone());
        }
        Ok(states)
    }

    fn layer(&self, layer: &Layer, x: &Tensor, keys: &Tensor, train: bool) -> Result<Tensor, TchError> {
        // [B, L, H] → [B, heads, L, head_size]
        let split = |t: Tensor| t.f_unflatten(-1, [self.heads, self.head_size])?.f_transpose(1, 2);
        let query = split(layer.query.forward(x)?)?;
        let key = split(layer.key.forward(x)?)?;
        let value = split(layer.value.forward(x)?)?;
        let dropout = if train { self.attention_dropout } else { 0.0 };
        let context =
            Tensor::f_scaled_dot_product_attention(&query, &key, &value, Some(keys), dropout, false, None, false)?
                .f_transpose(1, 2)?
                .f_flatten(2, 3)?;
        let attended = layer.attention_output.forward(&context)?.f_dropout(self.hidden_dropout, train)?;
        let x = layer.attention_norm.forward(&attended.f_add(x)?)?;
        let inner = layer.intermediate.forward(&x)?;
        let inner = match self.activation {
            Activation::Gelu => inner.f_gelu("none")?,
            Activation::GeluTanh => inner.f_gelu("tanh")?,
            Activation::Relu => inner.f_relu()?,
        };
        let out = layer.output.forward(&inner)?.f_dropout(self.hidden_dropout, train)?;
        layer.output_norm.forward(&out.f_add(&x)?)
    }
}
