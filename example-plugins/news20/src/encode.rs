//! The `bow` model's input encoding: text → hashed n-gram ids. Words are the maximal runs of
//! alphanumeric characters of the lowercased text; each word, and (with bigrams) each pair of
//! neighbouring words, is hashed with FNV-1a 64 into a bucket `1..buckets` (0 is padding).
//!
//! Ids come in text order with each bigram right after its second word
//! (`w0, w1, w0·w1, w2, w1·w2, …`), so truncating to `max_tokens` keeps a prefix of the document
//! with both its words and its word pairs, instead of dropping every bigram of a long post.

use crate::fnv::Fnv1a64;
use crate::options::{BowOptions, Ngrams};
use mlpipe_plugin_api::Features;

/// The id reserved for padding; no n-gram hashes to it.
pub const PADDING_ID: i64 = 0;

/// The hashed n-gram ids of `text`, at most `options.max_tokens` of them; empty when the text
/// has no alphanumeric character.
pub fn hashed_ids(text: &str, options: &BowOptions) -> Vec<i64> {
    let lower = text.to_lowercase();
    let words = lower.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty());
    let mut ids = Vec::new();
    let mut previous: Option<&str> = None;
    for word in words {
        if ids.len() == options.max_tokens {
            break;
        }
        ids.push(bucket(Fnv1a64::new().write(word.as_bytes()), options.buckets));
        if let (Ngrams::Bigrams, Some(first)) = (options.ngrams, previous) {
            if ids.len() == options.max_tokens {
                break;
            }
            // A space cannot occur inside a word, so "a b" never collides with a unigram's text.
            let pair = Fnv1a64::new().write(first.as_bytes()).write(b" ").write(word.as_bytes());
            ids.push(bucket(pair, options.buckets));
        }
        previous = Some(word);
    }
    ids
}

/// The `bow` inputs of one document: `input_ids` and an all-ones `attention_mask` of the same
/// length.
///
/// A document without any word becomes one padding position with mask 0 rather than an empty
/// sequence: every record keeps at least one position (a zero-width batch would be degenerate for
/// padding and storage), while the model sees no tokens at all, so the pooled vector is zero and
/// its logits are the classifier bias alone, i.e. the learned class prior.
pub fn bow_features(text: &str, options: &BowOptions) -> Features {
    let ids = hashed_ids(text, options);
    let (ids, mask) = if ids.is_empty() { (vec![PADDING_ID], vec![0]) } else { (ids.clone(), vec![1; ids.len()]) };
    Features::new().int("input_ids", ids).int("attention_mask", mask)
}

/// Maps a finished hash into `1..buckets`, keeping 0 free for padding.
fn bucket(hash: Fnv1a64, buckets: i64) -> i64 {
    let non_padding = (buckets - 1) as u64;
    1 + (hash.finish() % non_padding) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fnv::fnv1a64;
    use mlpipe_plugin_api::Values;

    fn options(ngrams: Ngrams, max_tokens: usize) -> BowOptions {
        BowOptions { buckets: 1000, ngrams, max_tokens, ..BowOptions::default() }
    }

    #[test]
    fn words_hash_to_fixed_ids_from_the_published_fnv_vectors() {
        // FNV-1a 64 of "a" and "foobar" (published test vectors), reduced into 1..1000.
        let a = 1 + (0xaf63_dc4c_8601_ec8c_u64 % 999) as i64;
        let foobar = 1 + (0x8594_4171_f739_67e8_u64 % 999) as i64;
        assert_eq!((a, foobar), (233, 25), "reduction checked with Python");
        assert_eq!(hashed_ids("A, FooBar!", &options(Ngrams::Unigrams, 10)), [a, foobar]);
    }

    #[test]
    fn bigrams_follow_their_second_word() {
        let pair = 1 + (fnv1a64(b"a foobar") % 999) as i64;
        let ids = hashed_ids("a foobar", &options(Ngrams::Bigrams, 10));
        assert_eq!(ids, [233, 25, pair]);
    }

    #[test]
    fn encoding_is_deterministic_and_case_insensitive() {
        let opts = options(Ngrams::Bigrams, 100);
        let text = "Space shuttle launch: NASA's schedule, 1993.";
        assert_eq!(hashed_ids(text, &opts), hashed_ids(text, &opts));
        assert_eq!(hashed_ids(text, &opts), hashed_ids(&text.to_uppercase(), &opts));
    }

    #[test]
    fn ids_stay_within_non_padding_buckets() {
        let opts = BowOptions { buckets: 2, ..options(Ngrams::Bigrams, 100) };
        assert!(hashed_ids("every word lands in bucket one", &opts).iter().all(|&id| id == 1));
        let opts = options(Ngrams::Bigrams, 10_000);
        let text = "lorem ipsum dolor sit amet ".repeat(50);
        assert!(hashed_ids(&text, &opts).iter().all(|&id| (1..1000).contains(&id)));
    }

    #[test]
    fn long_text_is_truncated_to_max_tokens() {
        let text = "one two three four five six";
        let opts = options(Ngrams::Bigrams, 4);
        let full = hashed_ids(text, &options(Ngrams::Bigrams, 100));
        assert_eq!(full.len(), 6 + 5);
        assert_eq!(hashed_ids(text, &opts), full[..4]);
        assert_eq!(hashed_ids(text, &options(Ngrams::Unigrams, 3)).len(), 3);
    }

    #[test]
    fn features_carry_a_mask_of_ones() {
        let features = bow_features("hello world", &options(Ngrams::Unigrams, 10));
        let keys: Vec<&str> = features.entries.iter().map(|(key, _)| key.as_str()).collect();
        assert_eq!(keys, ["input_ids", "attention_mask"]);
        assert_eq!(features.get("attention_mask"), Some(&Values::Int(vec![1, 1])));
    }

    #[test]
    fn text_without_words_is_one_masked_padding_position() {
        let features = bow_features(" -- !! ", &options(Ngrams::Bigrams, 10));
        assert_eq!(features.get("input_ids"), Some(&Values::Int(vec![PADDING_ID])));
        assert_eq!(features.get("attention_mask"), Some(&Values::Int(vec![0])));
    }
}
