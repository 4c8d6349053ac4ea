//! The `[plugin]` options of the news20 experiment: what the user wrote (strings) turned into a
//! validated [`BowOptions`] with defaults. Every error names the key (`plugin.bow_dim`) so it can
//! be fixed in `settings.ini` without reading this code; unknown keys are refused, which catches
//! typos that would otherwise silently fall back to a default.

use mlpipe_plugin_api::PluginError;
use std::collections::BTreeMap;
use std::str::FromStr;

/// How many n-gram orders the `bow` model hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ngrams {
    /// Single words only.
    Unigrams,
    /// Single words and pairs of neighbouring words.
    Bigrams,
}

/// The settings of the hashed bag-of-words model `bow`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BowOptions {
    /// Rows of the embedding table (`bow_buckets`, >= 2); row 0 is padding, so hashed n-grams
    /// land in `1..buckets`.
    pub buckets: i64,
    /// Width of each embedding (`bow_dim`, >= 1).
    pub dim: i64,
    /// The most n-gram ids kept per document (`bow_max_tokens`, >= 1).
    pub max_tokens: usize,
    /// Which n-grams are hashed (`bow_ngrams`, 1 or 2).
    pub ngrams: Ngrams,
    /// Dropout on the pooled document vector during training (`bow_dropout`, in `[0, 1)`).
    pub dropout: f64,
}

impl Default for BowOptions {
    fn default() -> Self {
        Self { buckets: 262_144, dim: 64, max_tokens: 2048, ngrams: Ngrams::Bigrams, dropout: 0.1 }
    }
}

/// Every key this plugin understands in `[plugin]` (the `minilm_*` ones are read by
/// [`crate::minilm::MinilmOptions`], the `imbalance_*` ones by [`crate::imbalance::Imbalance`]).
pub const KNOWN_KEYS: &[&str] = &[
    "bow_buckets",
    "bow_dim",
    "bow_max_tokens",
    "bow_ngrams",
    "bow_dropout",
    "minilm_path",
    "minilm_max_length",
    "minilm_pooling",
    "minilm_truncation",
    "minilm_head_tokens",
    "minilm_windows",
    "imbalance_ratio",
    "imbalance_validation_fraction",
];

impl BowOptions {
    /// Reads the options from the `[plugin]` section, using defaults for keys that are not set.
    ///
    /// # Errors
    /// A key this plugin does not know, or a value that does not parse or is out of range; the
    /// message names the key, what was expected and what was given.
    pub fn from_options(options: &BTreeMap<String, String>) -> Result<Self, PluginError> {
        if let Some(key) = options.keys().find(|key| !KNOWN_KEYS.contains(&key.as_str())) {
            return Err(PluginError::new(format!(
                "plugin.{key}: unknown option for the news20 plugin; known options: {}",
                KNOWN_KEYS.join(", ")
            )));
        }
        let defaults = Self::default();
        let ngrams: u8 = read(options, "bow_ngrams", 2, "1 or 2", |n| (1..=2).contains(n))?;
        Ok(Self {
            buckets: read(options, "bow_buckets", defaults.buckets, "an integer >= 2", |n| *n >= 2)?,
            dim: read(options, "bow_dim", defaults.dim, "an integer >= 1", |n| *n >= 1)?,
            max_tokens: read(options, "bow_max_tokens", defaults.max_tokens, "an integer >= 1", |n| *n >= 1)?,
            ngrams: if ngrams == 1 { Ngrams::Unigrams } else { Ngrams::Bigrams },
            dropout: read(options, "bow_dropout", defaults.dropout, "a number >= 0 and < 1", |p| {
                (0.0..1.0).contains(p)
            })?,
        })
    }
}

/// Parses `options[key]` as a `T` accepted by `valid`, or returns `default` when it is not set.
pub(crate) fn read<T: FromStr>(
    options: &BTreeMap<String, String>,
    key: &str,
    default: T,
    expected: &str,
    valid: impl Fn(&T) -> bool,
) -> Result<T, PluginError> {
    let Some(text) = options.get(key) else {
        return Ok(default);
    };
    match text.trim().parse::<T>() {
        Ok(value) if valid(&value) => Ok(value),
        _ => Err(PluginError::new(format!("plugin.{key}: expected {expected}, got {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn empty_section_gives_the_documented_defaults() {
        let bow = BowOptions::from_options(&BTreeMap::new()).unwrap();
        assert_eq!(bow, BowOptions::default());
        assert_eq!((bow.buckets, bow.dim, bow.max_tokens), (262_144, 64, 2048));
        assert_eq!((bow.ngrams, bow.dropout), (Ngrams::Bigrams, 0.1));
    }

    #[test]
    fn every_option_is_read() {
        let bow = BowOptions::from_options(&options(&[
            ("bow_buckets", "1000"),
            ("bow_dim", "8"),
            ("bow_max_tokens", " 16 "),
            ("bow_ngrams", "1"),
            ("bow_dropout", "0"),
        ]))
        .unwrap();
        let expected = BowOptions { buckets: 1000, dim: 8, max_tokens: 16, ngrams: Ngrams::Unigrams, dropout: 0.0 };
        assert_eq!(bow, expected);
    }

    #[test]
    fn unparsable_value_names_the_key() {
        let err = BowOptions::from_options(&options(&[("bow_dim", "wide")])).unwrap_err();
        assert_eq!(err.message(), "plugin.bow_dim: expected an integer >= 1, got \"wide\"");
    }

    #[test]
    fn out_of_range_values_are_refused() {
        for (key, value) in [
            ("bow_buckets", "1"),
            ("bow_dim", "0"),
            ("bow_max_tokens", "-3"),
            ("bow_ngrams", "3"),
            ("bow_dropout", "1.0"),
            ("bow_dropout", "NaN"),
        ] {
            let err = BowOptions::from_options(&options(&[(key, value)])).unwrap_err();
            assert!(err.message().starts_with(&format!("plugin.{key}: expected")), "{err}");
        }
    }

    #[test]
    fn unknown_key_is_refused_with_the_known_ones() {
        let err = BowOptions::from_options(&options(&[("bow_bucket", "10")])).unwrap_err();
        assert!(err.message().starts_with("plugin.bow_bucket: unknown option"), "{err}");
        assert!(err.message().contains("bow_buckets, bow_dim"), "{err}");
    }
}
