//! [`TextEncoder`]: a Hugging Face `tokenizer.json` (through the `tokenizers` crate) that turns a
//! text into `input_ids` and `attention_mask` truncated to a maximum length, unpadded (the trainer
//! pads each batch to its own longest row).
//!
//! Long documents are not tokenised whole. The encoder tokenises a prefix cut at a whitespace
//! character, and only if that prefix yields fewer than `max_length` tokens does it try a prefix
//! twice as long (up to the whole text). Tokenisers of the BERT family normalise and split words
//! independently of what follows a whitespace boundary, so the tokens of such a prefix are the
//! first tokens of the whole text, and the result equals tokenising everything and truncating
//! (a test checks this against whole-text encoding). With 20 Newsgroups posts (median 339 tokens
//! at max length 256) most of the work `datasets.map` does and then throws away is never done.
//!
//! [`Truncation::Tail`] and [`Truncation::HeadTail`] keep the end of a text too
//! ([`TextEncoder::with_truncation`]): the end is tokenised the same way, from a suffix that
//! starts just after a whitespace character, doubled until it yields the tokens needed; when the
//! prefix and the suffix would overlap, the whole text is tokenised and cut.

use crate::error::TransformerError;
use crate::truncation::Truncation;
use std::path::{Path, PathBuf};
use tokenizers::{PostProcessor, Tokenizer, TruncationDirection, TruncationParams, TruncationStrategy};

/// One encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedText {
    /// The token ids, special tokens included.
    pub input_ids: Vec<i64>,
    /// 1 for a real token, 0 for padding (only windowed encodings pad their last window).
    pub attention_mask: Vec<i64>,
}

/// A tokenizer with a fixed maximum length and a [`Truncation`] (head unless set).
#[derive(Debug, Clone)]
pub struct TextEncoder {
    tokenizer: Tokenizer,
    /// The same tokenizer without truncation, for the tokens of a text without special tokens.
    content: Tokenizer,
    /// The special tokens before and after a text's own (`[CLS]` and `[SEP]` for BERT).
    specials: (Vec<i64>, Vec<i64>),
    max_length: usize,
    truncation: Truncation,
    /// How many windows of `max_length` tokens a text may fill (1: one sequence, unpadded).
    windows: usize,
    path: PathBuf,
}

/// Bytes of text tried first per 2 tokens of `max_length`, i.e. 4.5 bytes per token: on 20
/// Newsgroups posts longer than 256 tokens the first 254 tokens take 866 bytes at the median and
/// 1,163 at the 99th percentile (3.4 bytes per token on average, all-MiniLM-L6-v2's tokenizer), so
/// one pass suffices for ~99 % of them without tokenising much that is thrown away.
const BYTES_PER_TWO_TOKENS: usize = 9;

impl TextEncoder {
    /// Loads `tokenizer.json` and sets truncation to `max_length` tokens (special tokens
    /// included), with no padding, whatever the file says.
    ///
    /// # Errors
    /// An unreadable or malformed file, or a `max_length` too small for the special tokens.
    pub fn from_file(path: &Path, max_length: usize) -> Result<Self, TransformerError> {
        let problem = |problem: String| TransformerError::Tokenizer { path: path.into(), problem };
        if !path.is_file() {
            return Err(TransformerError::Io {
                path: path.into(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let mut tokenizer = Tokenizer::from_file(path).map_err(|err| problem(err.to_string()))?;
        let specials = tokenizer.get_post_processor().map_or(0, |p| p.added_tokens(false));
        if max_length <= specials {
            return Err(problem(format!("max_length {max_length} leaves no room besides {specials} special tokens")));
        }
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length,
                strategy: TruncationStrategy::LongestFirst,
                stride: 0,
                direction: TruncationDirection::Right,
            }))
            .map_err(|err| problem(err.to_string()))?;
        tokenizer.with_padding(None);
        let mut content = tokenizer.clone();
        content.with_truncation(None).map_err(|err| problem(err.to_string()))?;
        let mut encoder = Self {
            tokenizer,
            content,
            specials: (Vec::new(), Vec::new()),
            max_length,
            truncation: Truncation::Head,
            windows: 1,
            path: path.into(),
        };
        encoder.specials = encoder.special_tokens()?;
        Ok(encoder)
    }

    /// The same encoder keeping the tokens `truncation` says.
    ///
    /// # Errors
    /// A head budget larger than what `max_length` leaves besides the special tokens.
    pub fn with_truncation(mut self, truncation: Truncation) -> Result<Self, TransformerError> {
        if let Truncation::HeadTail { head } = truncation {
            if head > self.budget() {
                return Err(TransformerError::Tokenizer {
                    path: self.path.clone(),
                    problem: format!(
                        "head_tail keeps {head} head tokens, but max_length {} leaves {} besides the special tokens",
                        self.max_length,
                        self.budget()
                    ),
                });
            }
        }
        self.truncation = truncation;
        self.check_windows()?;
        Ok(self)
    }

    /// The same encoder cutting a long text into up to `windows` windows of `max_length` tokens
    /// each (its first `windows × budget` tokens, special tokens around each window), every
    /// window padded to `max_length` (id of `[PAD]`, mask 0), so that
    /// [`BertClassifier::with_windows`](crate::BertClassifier::with_windows) can fold a row into
    /// its windows without reading its length.
    ///
    /// # Errors
    /// `windows` of 0, or more than one window with a truncation other than head.
    pub fn with_windows(mut self, windows: usize) -> Result<Self, TransformerError> {
        self.windows = windows;
        self.check_windows()?;
        Ok(self)
    }

    /// How many windows a text may fill.
    pub fn windows(&self) -> usize {
        self.windows
    }

    fn check_windows(&self) -> Result<(), TransformerError> {
        let problem = match (self.windows, self.truncation) {
            (0, _) => "windows must be at least 1".to_string(),
            (1, _) | (_, Truncation::Head) => return Ok(()),
            (n, truncation) => format!("{n} windows take a text's first tokens: use head truncation, not {truncation}"),
        };
        Err(TransformerError::Tokenizer { path: self.path.clone(), problem })
    }

    /// The maximum number of tokens of an encoding.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Which tokens of a long text are kept.
    pub fn truncation(&self) -> Truncation {
        self.truncation
    }

    /// Tokens of the text itself an encoding holds at most: `max_length` minus the special tokens.
    pub fn budget(&self) -> usize {
        self.max_length - self.specials.0.len() - self.specials.1.len()
    }

    /// Encodes `text` as the whole-text encoding truncated to `max_length` would, tokenising only
    /// as much of it as needed (see the module documentation).
    ///
    /// # Errors
    /// A tokenizer failure.
    pub fn encode(&self, text: &str) -> Result<EncodedText, TransformerError> {
        if self.windows > 1 {
            let needed = self.windows * self.budget();
            let ids = match self.grown(text, needed, End::Start)? {
                Some((ids, _)) => ids,
                None => self.content_ids(text)?,
            };
            return Ok(self.windowed(&ids));
        }
        if self.truncation != Truncation::Head {
            return self.encode_ends(text);
        }
        let mut budget = self.max_length * BYTES_PER_TWO_TOKENS / 2;
        loop {
            let prefix = whitespace_prefix(text, budget);
            let encoding = self.encode_whole(prefix)?;
            if prefix.len() == text.len() || encoding.input_ids.len() >= self.max_length {
                return Ok(encoding);
            }
            budget *= 2;
        }
    }

    /// Encodes all of `text`, then truncates: what `tokenizer(text, truncation=True)` does for
    /// [`Truncation::Head`]; the cut of all its tokens, special tokens around, for the others.
    ///
    /// # Errors
    /// A tokenizer failure.
    pub fn encode_whole(&self, text: &str) -> Result<EncodedText, TransformerError> {
        if self.windows > 1 {
            return Ok(self.windowed(&self.content_ids(text)?));
        }
        if self.truncation != Truncation::Head {
            return Ok(self.wrap(self.truncation.cut(&self.content_ids(text)?, self.budget())));
        }
        let encoding = self
            .tokenizer
            .encode_fast(text, true)
            .map_err(|err| TransformerError::Tokenizer { path: self.path.clone(), problem: err.to_string() })?;
        Ok(EncodedText {
            input_ids: encoding.get_ids().iter().map(|&id| i64::from(id)).collect(),
            attention_mask: encoding.get_attention_mask().iter().map(|&m| i64::from(m)).collect(),
        })
    }
}

/// Which end of a text a piece is cut from.
#[derive(Debug, Clone, Copy)]
enum End {
    Start,
    Finish,
}

impl TextEncoder {
    /// [`TextEncoder::encode`] for the truncations that keep the end: the head from growing
    /// prefixes, the tail from growing suffixes, the whole text when they would overlap.
    fn encode_ends(&self, text: &str) -> Result<EncodedText, TransformerError> {
        let budget = self.budget();
        let (head, tail) = self.truncation.split(budget);
        let start = self.grown(text, head, End::Start)?;
        let end = self.grown(text, tail, End::Finish)?;
        let (Some((head_ids, head_end)), Some((tail_ids, tail_start))) = (start, end) else {
            return self.encode_whole(text);
        };
        if head_end > tail_start {
            return self.encode_whole(text);
        }
        let kept: Vec<i64> = head_ids[..head].iter().chain(&tail_ids[tail_ids.len() - tail..]).copied().collect();
        Ok(self.wrap(kept))
    }

    /// The tokens of the shortest piece of `text` at its `end` (a prefix or a suffix cut at
    /// whitespace, doubling its bytes) that has at least `needed` of them, with where the piece
    /// ends (prefix) or starts (suffix) in `text`; `None` when only the whole text would do.
    fn grown(&self, text: &str, needed: usize, end: End) -> Result<Option<(Vec<i64>, usize)>, TransformerError> {
        let boundary = |piece_len: usize| match end {
            End::Start => piece_len,
            End::Finish => text.len() - piece_len,
        };
        if needed == 0 {
            return Ok(Some((Vec::new(), boundary(0))));
        }
        let mut bytes = needed * BYTES_PER_TWO_TOKENS / 2;
        loop {
            let piece = match end {
                End::Start => whitespace_prefix(text, bytes),
                End::Finish => whitespace_suffix(text, bytes),
            };
            if piece.len() == text.len() {
                return Ok(None);
            }
            let ids = self.content_ids(piece)?;
            if ids.len() >= needed {
                return Ok(Some((ids, boundary(piece.len()))));
            }
            bytes *= 2;
        }
    }

    /// The tokens of `text` without special tokens and without truncation.
    fn content_ids(&self, text: &str) -> Result<Vec<i64>, TransformerError> {
        let encoding = self
            .content
            .encode_fast(text, false)
            .map_err(|err| TransformerError::Tokenizer { path: self.path.clone(), problem: err.to_string() })?;
        Ok(encoding.get_ids().iter().map(|&id| i64::from(id)).collect())
    }

    /// The first `windows × budget` of `ids` in windows of `budget`, special tokens around each,
    /// each padded to `max_length` (a text's only window too, so that every row of a batch is a
    /// whole number of windows).
    fn windowed(&self, ids: &[i64]) -> EncodedText {
        let budget = self.budget();
        let ids = &ids[..ids.len().min(self.windows * budget)];
        let pad = self.tokenizer.token_to_id("[PAD]").map_or(0, i64::from);
        let mut encoded = EncodedText { input_ids: Vec::new(), attention_mask: Vec::new() };
        let chunks: Vec<&[i64]> = if ids.is_empty() { vec![ids] } else { ids.chunks(budget).collect() };
        for chunk in chunks {
            let window = self.wrap(chunk.to_vec());
            let padding = self.max_length - window.input_ids.len();
            encoded.input_ids.extend(window.input_ids.iter().copied().chain(std::iter::repeat_n(pad, padding)));
            encoded.attention_mask.extend(window.attention_mask.iter().copied().chain(std::iter::repeat_n(0, padding)));
        }
        encoded
    }

    /// `ids` with the special tokens around them, all attended.
    fn wrap(&self, ids: Vec<i64>) -> EncodedText {
        let (before, after) = &self.specials;
        let input_ids: Vec<i64> = before.iter().chain(&ids).chain(after).copied().collect();
        let attention_mask = vec![1; input_ids.len()];
        EncodedText { input_ids, attention_mask }
    }

    /// The special tokens before and after a text's own, read off the encoding of one word with
    /// and without them.
    fn special_tokens(&self) -> Result<(Vec<i64>, Vec<i64>), TransformerError> {
        let with = self.encode_whole("word")?.input_ids;
        let without = self.content_ids("word")?;
        let at = (0..=with.len().saturating_sub(without.len())).find(|&i| with[i..].starts_with(&without)).ok_or_else(
            || TransformerError::Tokenizer {
                path: self.path.clone(),
                problem: "the special tokens do not surround the text's own tokens".into(),
            },
        )?;
        Ok((with[..at].to_vec(), with[at + without.len()..].to_vec()))
    }
}

/// The longest prefix of `text` of at most `budget` bytes that ends just before a whitespace
/// character; all of `text` when it is short enough or has no whitespace in that range.
fn whitespace_prefix(text: &str, budget: usize) -> &str {
    if text.len() <= budget {
        return text;
    }
    let mut end = budget;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text[..end].rfind(char::is_whitespace) {
        Some(cut) if cut > 0 => &text[..cut],
        _ => text,
    }
}

/// The longest suffix of `text` of at most `budget` bytes that starts just after a whitespace
/// character; all of `text` when it is short enough or has no whitespace in that range.
fn whitespace_suffix(text: &str, budget: usize) -> &str {
    if text.len() <= budget {
        return text;
    }
    let mut start = text.len() - budget;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    match text[start..].find(char::is_whitespace) {
        Some(at) => {
            let cut = start + at;
            let after = cut + text[cut..].chars().next().map_or(0, char::len_utf8);
            if after < text.len() {
                &text[after..]
            } else {
                text
            }
        }
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_start_after_whitespace_and_respect_char_boundaries() {
        assert_eq!(whitespace_suffix("short text", 100), "short text");
        assert_eq!(whitespace_suffix("one two three", 9), "three");
        assert_eq!(whitespace_suffix("one two three", 10), "two three");
        assert_eq!(whitespace_suffix("éé éé éé", 7), "éé");
        assert_eq!(whitespace_suffix("unbroken", 3), "unbroken");
        assert_eq!(whitespace_suffix("a b\nc", 3), "c");
        assert_eq!(whitespace_suffix("ab ", 2), "ab ");
    }

    #[test]
    fn prefixes_end_before_whitespace_and_respect_char_boundaries() {
        assert_eq!(whitespace_prefix("short text", 100), "short text");
        assert_eq!(whitespace_prefix("one two three", 9), "one two");
        assert_eq!(whitespace_prefix("one two three", 7), "one");
        assert_eq!(whitespace_prefix("éé éé éé", 6), "éé");
        assert_eq!(whitespace_prefix("unbroken", 3), "unbroken");
        assert_eq!(whitespace_prefix("a\nb c", 3), "a");
    }
}
