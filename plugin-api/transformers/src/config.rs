//! [`BertConfig`]: the subset of a Hugging Face `config.json` that defines a BERT-family encoder
//! (BERT, MiniLM, DistilRoBERTa-style absolute-position encoders), validated before anything is
//! built so a bad file fails with its path and the offending key.

use crate::error::TransformerError;
use serde::Deserialize;
use std::path::Path;

/// The architecture of a BERT-family encoder, as `config.json` spells it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BertConfig {
    /// Number of token ids the embedding table holds.
    pub vocab_size: i64,
    /// Width of every hidden state.
    pub hidden_size: i64,
    /// Number of encoder layers.
    pub num_hidden_layers: i64,
    /// Attention heads per layer (must divide `hidden_size`).
    pub num_attention_heads: i64,
    /// Width of the feed-forward block.
    pub intermediate_size: i64,
    /// The feed-forward activation's name (`gelu`, `gelu_new`, `relu`, …).
    #[serde(default = "default_act")]
    pub hidden_act: String,
    /// Dropout probability on hidden states.
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    /// Dropout probability on attention weights.
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
    /// Longest sequence the position table covers.
    #[serde(default = "default_positions")]
    pub max_position_embeddings: i64,
    /// Number of token type (segment) ids.
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: i64,
    /// Epsilon of every layer norm.
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    /// Standard deviation of the initial weights of a model built from scratch.
    #[serde(default = "default_initializer_range")]
    pub initializer_range: f64,
    /// The padding token's id.
    #[serde(default)]
    pub pad_token_id: i64,
    /// Only `absolute` is supported.
    #[serde(default = "default_position_type")]
    pub position_embedding_type: String,
}

fn default_act() -> String {
    "gelu".into()
}
fn default_dropout() -> f64 {
    0.1
}
fn default_positions() -> i64 {
    512
}
fn default_type_vocab() -> i64 {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_initializer_range() -> f64 {
    0.02
}
fn default_position_type() -> String {
    "absolute".into()
}

/// The activations of the feed-forward block this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// Exact (erf) GELU, Hugging Face's `gelu`.
    Gelu,
    /// tanh-approximated GELU (`gelu_new`, `gelu_pytorch_tanh`).
    GeluTanh,
    /// ReLU.
    Relu,
}

impl BertConfig {
    /// Reads and validates `config.json`.
    ///
    /// # Errors
    /// An unreadable file, malformed JSON, or values this crate cannot build (see [`Self::validate`]).
    pub fn from_file(path: &Path) -> Result<Self, TransformerError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| TransformerError::Io { path: path.into(), source })?;
        let config: Self = serde_json::from_str(&text)
            .map_err(|err| TransformerError::Config { path: path.into(), problem: err.to_string() })?;
        config.validate().map_err(|problem| TransformerError::Config { path: path.into(), problem })?;
        Ok(config)
    }

    /// Checks sizes and options; the message names the key at fault.
    ///
    /// # Errors
    /// The problem, as text.
    pub fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("intermediate_size", self.intermediate_size),
            ("max_position_embeddings", self.max_position_embeddings),
            ("type_vocab_size", self.type_vocab_size),
        ] {
            if value < 1 {
                return Err(format!("{key}: expected an integer >= 1, got {value}"));
            }
        }
        if self.hidden_size % self.num_attention_heads != 0 {
            return Err(format!(
                "hidden_size ({}) is not a multiple of num_attention_heads ({})",
                self.hidden_size, self.num_attention_heads
            ));
        }
        for (key, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            ("attention_probs_dropout_prob", self.attention_probs_dropout_prob),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(format!("{key}: expected a probability in [0, 1), got {p}"));
            }
        }
        if self.position_embedding_type != "absolute" {
            return Err(format!(
                "position_embedding_type: only \"absolute\" is supported, got {:?}",
                self.position_embedding_type
            ));
        }
        self.activation().map(drop)
    }

    /// The feed-forward activation named by `hidden_act`.
    ///
    /// # Errors
    /// An activation this crate does not implement.
    pub fn activation(&self) -> Result<Activation, String> {
        match self.hidden_act.as_str() {
            "gelu" => Ok(Activation::Gelu),
            "gelu_new" | "gelu_pytorch_tanh" => Ok(Activation::GeluTanh),
            "relu" => Ok(Activation::Relu),
            other => Err(format!("hidden_act: expected gelu, gelu_new, gelu_pytorch_tanh or relu, got {other:?}")),
        }
    }

    /// Width of one attention head.
    pub fn head_size(&self) -> i64 {
        self.hidden_size / self.num_attention_heads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINILM: &str = r#"{"hidden_act": "gelu", "hidden_size": 384, "intermediate_size": 1536,
        "num_attention_heads": 12, "num_hidden_layers": 6, "vocab_size": 30522, "model_type": "bert"}"#;

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        let path = dir.join("config.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_a_minilm_config_with_bert_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let config = BertConfig::from_file(&write(dir.path(), MINILM)).unwrap();
        assert_eq!((config.hidden_size, config.head_size(), config.num_hidden_layers), (384, 32, 6));
        assert_eq!((config.max_position_embeddings, config.type_vocab_size), (512, 2));
        assert_eq!((config.layer_norm_eps, config.hidden_dropout_prob), (1e-12, 0.1));
        assert_eq!(config.activation(), Ok(Activation::Gelu));
    }

    #[test]
    fn bad_configs_name_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            (MINILM.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 7"), "not a multiple"),
            (MINILM.replace("\"gelu\"", "\"swish\""), "hidden_act: expected"),
            (MINILM.replace("\"vocab_size\": 30522", "\"vocab_size\": 0"), "vocab_size: expected"),
            (MINILM.replace("\"hidden_size\": 384,", ""), "missing field `hidden_size`"),
            (MINILM.replace('}', ", \"position_embedding_type\": \"relative_key\"}"), "position_embedding_type"),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), &text);
            let err = BertConfig::from_file(&path).unwrap_err().to_string();
            assert!(err.starts_with(&path.display().to_string()) && err.contains(expected), "{err}");
        }
        let missing = dir.path().join("nope.json");
        assert!(BertConfig::from_file(&missing).unwrap_err().to_string().contains("nope.json"));
    }
}
