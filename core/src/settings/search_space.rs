//! One search-space parameter of `[tuning]`: `key = a -> b [scaling]` for a range or
//! `key = x, y, z` for a set of choices, checked against the type and range of the training key it
//! tunes.
//!
//! Ranges keep typed bounds; choices keep the values as written (each already checked), so that a
//! tuner can hand them to the training settings exactly as a user would write them.

use std::fmt;

use super::key_table::Tunable;
use super::keyword::keyword_enum;
use super::values::Expect;

keyword_enum! {
    /// How a tuner samples a range (SageMaker's `ScalingType`).
    pub enum Scaling {
        /// The tuner's choice; what a range without a scaling word gets.
        Auto = "auto",
        /// Uniform over the range.
        Linear = "linear",
        /// Uniform over the logarithm of the range (needs min > 0).
        Log = "log",
        /// Denser near the top end (needs 0 <= min and max < 1).
        ReverseLog = "reverse_log",
    }
}

/// The values a tuner may try for one training key.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchSpace {
    /// Any real number in `min..=max` (from `a -> b` on a real-valued key).
    Continuous {
        /// Lower bound, < `max`.
        min: f64,
        /// Upper bound.
        max: f64,
        /// How to sample.
        scaling: Scaling,
    },
    /// Any integer in `min..=max` (from `a -> b` with integer ends on an integer key).
    Integer {
        /// Lower bound, < `max`.
        min: i64,
        /// Upper bound.
        max: i64,
        /// How to sample.
        scaling: Scaling,
    },
    /// One of at least two distinct values, as written (from `x, y, z`).
    Categorical(Vec<String>),
}

impl SearchSpace {
    /// Parses the value of a search-space key whose training key has type `tunable`.
    pub(crate) fn parse(text: &str, tunable: Tunable) -> Expect<Self> {
        if let Some((min, rest)) = text.split_once("->") {
            range(min.trim(), rest, tunable)
        } else if text.contains(',') {
            choices(text, tunable)
        } else {
            Err("a range `a -> b` or a list of choices `x, y, z`".to_string())
        }
    }
}

fn range(min: &str, rest: &str, tunable: Tunable) -> Expect<SearchSpace> {
    let mut words = rest.split_whitespace();
    let max = words.next().unwrap_or_default();
    let scaling = match words.next() {
        None => Scaling::Auto,
        Some(word) => {
            Scaling::parse_keyword(word).map_err(|choices| format!("a range `a -> b` with a scaling of {choices}"))?
        }
    };
    if words.next().is_some() {
        return Err("a range `a -> b` with at most one scaling word".to_string());
    }
    Ok(match tunable {
        Tunable::Keyword(_) => {
            return Err("a list of choices `x, y, z` (this key takes words, not a range)".to_string())
        }
        Tunable::Integer(check) => {
            let bound = |text: &str| check(text).map_err(|what| format!("a range `a -> b` whose ends are each {what}"));
            let (min, max) = (bound(min)?, bound(max)?);
            if min >= max {
                return Err("a range `a -> b` with a < b".to_string());
            }
            if scaling == Scaling::Log && min <= 0 {
                return Err("a range with a > 0 for log scaling".to_string());
            }
            if scaling == Scaling::ReverseLog {
                return Err("a range on a real-valued key for reverse_log scaling".to_string());
            }
            SearchSpace::Integer { min, max, scaling }
        }
        Tunable::Float(check) => {
            let bound = |text: &str| check(text).map_err(|what| format!("a range `a -> b` whose ends are each {what}"));
            let (min, max) = (bound(min)?, bound(max)?);
            if min >= max {
                return Err("a range `a -> b` with a < b".to_string());
            }
            if scaling == Scaling::Log && min <= 0.0 {
                return Err("a range with a > 0 for log scaling".to_string());
            }
            if scaling == Scaling::ReverseLog && (min < 0.0 || max >= 1.0) {
                return Err("a range within 0 <= a < b < 1 for reverse_log scaling".to_string());
            }
            SearchSpace::Continuous { min, max, scaling }
        }
    })
}

fn choices(text: &str, tunable: Tunable) -> Expect<SearchSpace> {
    let values: Vec<String> = text.split(',').map(|v| v.trim().to_string()).collect();
    let mut seen: Vec<String> = Vec::new();
    for value in &values {
        // Numbers compare by value (`1e-4` repeats `0.0001`), words as written.
        let canonical = match tunable {
            // i64 -> f64 is exact for the u32 values integer keys allow.
            Tunable::Integer(check) => check(value).map(|n| (n as f64).to_string()),
            Tunable::Float(check) => check(value).map(|x| x.to_string()),
            Tunable::Keyword(check) => check(value).map(|()| value.clone()),
        }
        .map_err(|what| format!("a list of choices that are each {what}"))?;
        if seen.contains(&canonical) {
            return Err(format!("a list of distinct choices ({value:?} repeats)"));
        }
        seen.push(canonical);
    }
    Ok(SearchSpace::Categorical(values))
}

impl fmt::Display for SearchSpace {
    /// Writes the space in `settings.ini` syntax, which parses back to an equal value.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scaling = |s: &Scaling| match s {
            Scaling::Auto => String::new(),
            other => format!(" {other}"),
        };
        match self {
            SearchSpace::Continuous { min, max, scaling: s } => {
                write!(f, "{min:?} -> {max:?}{}", scaling(s))
            }
            SearchSpace::Integer { min, max, scaling: s } => {
                write!(f, "{min} -> {max}{}", scaling(s))
            }
            SearchSpace::Categorical(values) => f.write_str(&values.join(", ")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::training::TUNABLE;

    fn parse(key: &str, text: &str) -> Expect<SearchSpace> {
        let tunable = TUNABLE.iter().find(|(k, _)| *k == key).unwrap().1;
        SearchSpace::parse(text, tunable)
    }

    #[test]
    fn float_range_with_scaling() {
        assert_eq!(
            parse("learning_rate", "1e-5->1e-3 log"),
            Ok(SearchSpace::Continuous { min: 1e-5, max: 1e-3, scaling: Scaling::Log })
        );
    }

    #[test]
    fn integer_range_on_a_float_key_is_a_float_range() {
        assert_eq!(
            parse("max_grad_norm", "0 -> 5"),
            Ok(SearchSpace::Continuous { min: 0.0, max: 5.0, scaling: Scaling::Auto })
        );
    }

    #[test]
    fn integer_range_on_an_integer_key() {
        assert_eq!(
            parse("epochs", "1 -> 10 linear"),
            Ok(SearchSpace::Integer { min: 1, max: 10, scaling: Scaling::Linear })
        );
    }

    #[test]
    fn choices_keep_their_spelling() {
        assert_eq!(
            parse("batch_size", "16, 32,64"),
            Ok(SearchSpace::Categorical(vec!["16".into(), "32".into(), "64".into()]))
        );
    }

    #[test]
    fn bad_ranges_say_what_was_expected() {
        let cases = [
            ("learning_rate", "1e-3 -> 1e-5", "a range `a -> b` with a < b"),
            ("weight_decay", "0 -> 0.1 log", "a range with a > 0 for log scaling"),
            ("epochs", "1.5 -> 4", "a range `a -> b` whose ends are each a positive integer"),
            ("epochs", "0 -> 4", "a range `a -> b` whose ends are each a positive integer"),
            ("epochs", "1 -> 4 reverse_log", "a range on a real-valued key for reverse_log scaling"),
            ("warmup_ratio", "0 -> 1 reverse_log", "a range `a -> b` whose ends are each a number >= 0 and < 1"),
            (
                "learning_rate",
                "1e-5 -> 1e-3 logarithmic",
                "a range `a -> b` with a scaling of one of auto, linear, log, reverse_log",
            ),
            ("learning_rate", "1e-5 -> 1e-3 log extra", "a range `a -> b` with at most one scaling word"),
            ("learning_rate", "1e-5 ->", "a range `a -> b` whose ends are each a number greater than 0"),
        ];
        for (key, text, expected) in cases {
            assert_eq!(parse(key, text), Err(expected.to_string()), "{key} = {text}");
        }
    }

    #[test]
    fn bad_choices_say_what_was_expected() {
        assert_eq!(parse("batch_size", "16, 16"), Err("a list of distinct choices (\"16\" repeats)".into()));
        assert_eq!(
            parse("learning_rate", "1e-4, 0.0001"),
            Err("a list of distinct choices (\"0.0001\" repeats)".into())
        );
        assert_eq!(parse("epochs", "2, three"), Err("a list of choices that are each a positive integer".into()));
        assert_eq!(parse("epochs", "3"), Err("a range `a -> b` or a list of choices `x, y, z`".into()));
    }

    #[test]
    fn keyword_keys_take_lists_of_their_words_only() {
        assert_eq!(
            parse("class_weighting", "none, balanced,sqrt"),
            Ok(SearchSpace::Categorical(vec!["none".into(), "balanced".into(), "sqrt".into()]))
        );
        assert_eq!(
            parse("sampler", "shuffle, random"),
            Err("a list of choices that are each one of shuffle, balanced".into())
        );
        assert_eq!(parse("class_weighting", "none, none"), Err("a list of distinct choices (\"none\" repeats)".into()));
        assert_eq!(
            parse("sampler", "shuffle -> balanced"),
            Err("a list of choices `x, y, z` (this key takes words, not a range)".into())
        );
        assert_eq!(
            parse("label_smoothing", "0 -> 0.2"),
            Ok(SearchSpace::Continuous { min: 0.0, max: 0.2, scaling: Scaling::Auto })
        );
    }

    #[test]
    fn display_parses_back_to_the_same_space() {
        for (key, text) in [
            ("learning_rate", "0.00001 -> 0.001 log"),
            ("weight_decay", "0 -> 1"),
            ("epochs", "1 -> 5 linear"),
            ("warmup_ratio", "0.0 -> 0.5 reverse_log"),
            ("batch_size", "8, 16"),
        ] {
            let space = parse(key, text).unwrap();
            assert_eq!(parse(key, &space.to_string()), Ok(space), "{key} = {text}");
        }
    }
}
