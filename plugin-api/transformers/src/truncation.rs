//! [`Truncation`]: which tokens of a text longer than the model's maximum length are kept.
//! `head` keeps the first tokens (what `tokenizer(text, truncation=True)` does), `tail` the last
//! (Hugging Face's `truncation_side="left"`), and `head_tail` the first `head` and the last
//! tokens that fill the rest (Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?",
//! found 128 head + 382 tail tokens best on long reviews). The cut is made on the text's tokens
//! without special tokens, which are then added around what is kept.

use std::fmt;
use std::str::FromStr;

/// Which tokens of a too-long text are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truncation {
    /// The first tokens.
    Head,
    /// The last tokens.
    Tail,
    /// The first `head` tokens and the last ones that fill the rest of the budget.
    HeadTail {
        /// How many tokens come from the start.
        head: usize,
    },
}

impl Truncation {
    /// How many tokens come from the start and from the end when the text has more than
    /// `budget` tokens (special tokens not counted). `head` larger than the budget keeps the budget.
    pub fn split(self, budget: usize) -> (usize, usize) {
        match self {
            Truncation::Head => (budget, 0),
            Truncation::Tail => (0, budget),
            Truncation::HeadTail { head } => (head.min(budget), budget - head.min(budget)),
        }
    }

    /// `tokens` cut to `budget` as [`Truncation::split`] says (all of them when they fit).
    pub fn cut<T: Copy>(self, tokens: &[T], budget: usize) -> Vec<T> {
        if tokens.len() <= budget {
            return tokens.to_vec();
        }
        let (head, tail) = self.split(budget);
        tokens[..head].iter().chain(&tokens[tokens.len() - tail..]).copied().collect()
    }
}

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Truncation::Head => f.write_str("head"),
            Truncation::Tail => f.write_str("tail"),
            Truncation::HeadTail { head } => write!(f, "head_tail (head {head})"),
        }
    }
}

/// The mode's keyword (`head`, `tail`, `head_tail`) with the head budget `head_tail` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncationMode {
    /// Keep the first tokens.
    Head,
    /// Keep the last tokens.
    Tail,
    /// Keep the first and the last tokens.
    HeadTail,
}

impl FromStr for TruncationMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "head" => Ok(Self::Head),
            "tail" => Ok(Self::Tail),
            "head_tail" => Ok(Self::HeadTail),
            other => Err(format!("expected head, tail or head_tail, got {other:?}")),
        }
    }
}

impl TruncationMode {
    /// The truncation, `head_tokens` being the head budget of `head_tail`.
    pub fn with_head(self, head_tokens: usize) -> Truncation {
        match self {
            Self::Head => Truncation::Head,
            Self::Tail => Truncation::Tail,
            Self::HeadTail => Truncation::HeadTail { head: head_tokens },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_keep_the_head_the_tail_or_both() {
        let tokens: Vec<u32> = (0..10).collect();
        assert_eq!(Truncation::Head.cut(&tokens, 4), [0, 1, 2, 3]);
        assert_eq!(Truncation::Tail.cut(&tokens, 4), [6, 7, 8, 9]);
        assert_eq!(Truncation::HeadTail { head: 1 }.cut(&tokens, 4), [0, 7, 8, 9]);
        assert_eq!(Truncation::HeadTail { head: 9 }.cut(&tokens, 4), [0, 1, 2, 3]);
        assert_eq!(Truncation::HeadTail { head: 0 }.cut(&tokens, 4), [6, 7, 8, 9]);
        for truncation in [Truncation::Head, Truncation::Tail, Truncation::HeadTail { head: 2 }] {
            assert_eq!(truncation.cut(&tokens, 10), tokens, "{truncation}: a text that fits is kept whole");
        }
        assert_eq!("head_tail".parse::<TruncationMode>().unwrap().with_head(3), Truncation::HeadTail { head: 3 });
        assert_eq!("middle".parse::<TruncationMode>().unwrap_err(), "expected head, tail or head_tail, got \"middle\"");
    }
}
