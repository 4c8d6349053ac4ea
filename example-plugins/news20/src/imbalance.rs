//! A skewed 20 Newsgroups, for measuring what mlpipe does with imbalanced labels
//! (`[plugin] imbalance_ratio = N`). The corpus's train posts are split per label into a validation
//! share (`imbalance_validation_fraction`, default 0.1, the same share `data.validation_fraction`
//! takes by default) and a training pool; of the pools, label number `i` of a seeded label order keeps
//! `round(m × N^(−i/(k−1)))` posts, where `m` is the smallest pool: a geometric profile whose
//! largest label has N times the posts of the smallest. Validation and test are not skewed, and the
//! validation posts are the same for every ratio, so runs at different ratios are scored on the same
//! posts. Every choice is a hash of the experiment's seed and the post id, so it does not depend on
//! the archive's order.

use crate::archive::Document;
use crate::fnv::Fnv1a64;
use crate::options::read;
use mlpipe_plugin_api::{PluginError, Split};
use std::collections::BTreeMap;

/// The `imbalance_*` options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Imbalance {
    /// Posts of the largest training label over those of the smallest, >= 1.
    pub ratio: f64,
    /// Share of each label's train posts kept for validation, in (0, 1).
    pub validation_fraction: f64,
}

impl Imbalance {
    /// The options, or `None` when `imbalance_ratio` is not set.
    ///
    /// # Errors
    /// A value out of range (naming the key), or `imbalance_validation_fraction` without a ratio.
    pub fn from_options(options: &BTreeMap<String, String>) -> Result<Option<Self>, PluginError> {
        if !options.contains_key("imbalance_ratio") {
            if options.contains_key("imbalance_validation_fraction") {
                return Err(PluginError::new(
                    "plugin.imbalance_validation_fraction: only applies with plugin.imbalance_ratio set",
                ));
            }
            return Ok(None);
        }
        let ratio = read(options, "imbalance_ratio", 1.0, "a number >= 1", |r: &f64| r.is_finite() && *r >= 1.0)?;
        let validation_fraction =
            read(options, "imbalance_validation_fraction", 0.1, "a number between 0 and 1 (exclusive)", |f: &f64| {
                *f > 0.0 && *f < 1.0
            })?;
        Ok(Some(Self { ratio, validation_fraction }))
    }

    /// The corpus's train posts with their split (validation or train), the posts that the
    /// profile drops left out; ordered by label, then by the seeded order.
    pub fn select(&self, posts: Vec<Document>, seed: u64) -> Vec<(Document, Split)> {
        let key = |text: &str| Fnv1a64::new().write(&seed.to_le_bytes()).write(text.as_bytes()).finish();
        let mut by_label: BTreeMap<String, Vec<Document>> = BTreeMap::new();
        for post in posts {
            by_label.entry(post.label.clone()).or_default().push(post);
        }
        let mut pools = Vec::new();
        for (label, mut posts) in by_label {
            posts.sort_by_cached_key(|post| (key(&post.id), post.id.clone()));
            let validation = (posts.len() as f64 * self.validation_fraction).round() as usize;
            pools.push((label, validation, posts));
        }
        let smallest = pools.iter().map(|(_, validation, posts)| posts.len() - validation).min().unwrap_or(0);
        let mut order: Vec<usize> = (0..pools.len()).collect();
        order.sort_by_cached_key(|&index| key(&format!("label:{}", pools[index].0)));
        let mut kept = vec![0; pools.len()];
        for (rank, &index) in order.iter().enumerate() {
            kept[index] = self.kept(smallest, rank, pools.len());
        }
        let mut selected = Vec::new();
        for ((_, validation, posts), keep) in pools.into_iter().zip(kept) {
            for (position, post) in posts.into_iter().enumerate().take(validation + keep) {
                selected.push((post, if position < validation { Split::Validation } else { Split::Train }));
            }
        }
        selected
    }

    /// Training posts kept of the label ranked `rank` of `labels` (0: the largest), when the
    /// smallest pool has `smallest` posts.
    fn kept(&self, smallest: usize, rank: usize, labels: usize) -> usize {
        let exponent = if labels > 1 { rank as f64 / (labels - 1) as f64 } else { 0.0 };
        ((smallest as f64 * self.ratio.powf(-exponent)).round() as usize).clamp(1.min(smallest), smallest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// `per_label` train posts for each of `labels` labels.
    fn posts(labels: usize, per_label: usize) -> Vec<Document> {
        (0..labels)
            .flat_map(|label| {
                (0..per_label).map(move |id| Document {
                    split: Split::Train,
                    label: format!("group{label:02}"),
                    id: format!("{}", 1000 + id),
                    text: String::new(),
                })
            })
            .collect()
    }

    fn train_counts(selected: &[(Document, Split)]) -> Vec<usize> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (post, split) in selected {
            if *split == Split::Train {
                *counts.entry(post.label.as_str()).or_default() += 1;
            }
        }
        let mut counts: Vec<usize> = counts.into_values().collect();
        counts.sort_unstable();
        counts
    }

    #[test]
    fn options_are_read_and_checked() {
        assert_eq!(Imbalance::from_options(&options(&[])).unwrap(), None);
        let imbalance = Imbalance::from_options(&options(&[("imbalance_ratio", "50")])).unwrap().unwrap();
        assert_eq!(imbalance, Imbalance { ratio: 50.0, validation_fraction: 0.1 });
        for (key, value) in
            [("imbalance_ratio", "0.5"), ("imbalance_ratio", "inf"), ("imbalance_validation_fraction", "1")]
        {
            let mut given = options(&[("imbalance_ratio", "10")]);
            given.insert(key.to_string(), value.to_string());
            let err = Imbalance::from_options(&given).unwrap_err();
            assert!(err.message().starts_with(&format!("plugin.{key}: expected")), "{err}");
        }
        let err = Imbalance::from_options(&options(&[("imbalance_validation_fraction", "0.2")])).unwrap_err();
        assert!(err.message().contains("only applies with plugin.imbalance_ratio"), "{err}");
    }

    #[test]
    fn the_profile_is_geometric_from_the_smallest_pool() {
        // 20 labels of 500 posts: 50 validation each, pools of 450; ratio 50 → 450 … 9.
        let imbalance = Imbalance { ratio: 50.0, validation_fraction: 0.1 };
        let selected = imbalance.select(posts(20, 500), 7);
        let counts = train_counts(&selected);
        assert_eq!((counts[0], counts[19]), (9, 450));
        let expected: Vec<usize> =
            (0..20).rev().map(|i| (450.0 * 50f64.powf(-(i as f64) / 19.0)).round() as usize).collect();
        assert_eq!(counts, expected);
        let validation = selected.iter().filter(|(_, split)| *split == Split::Validation).count();
        assert_eq!(validation, 20 * 50);
    }

    #[test]
    fn validation_is_the_same_for_every_ratio_and_choices_follow_the_seed() {
        let validation = |ratio: f64, seed: u64| -> Vec<String> {
            let imbalance = Imbalance { ratio, validation_fraction: 0.1 };
            let mut ids: Vec<String> = imbalance
                .select(posts(4, 100), seed)
                .into_iter()
                .filter(|(_, split)| *split == Split::Validation)
                .map(|(post, _)| format!("{}/{}", post.label, post.id))
                .collect();
            ids.sort();
            ids
        };
        assert_eq!(validation(1.0, 3), validation(50.0, 3));
        assert_ne!(validation(50.0, 3), validation(50.0, 4));
        let mut reversed = posts(4, 100);
        reversed.reverse();
        let imbalance = Imbalance { ratio: 5.0, validation_fraction: 0.1 };
        let key = |selected: Vec<(Document, Split)>| -> Vec<(String, String, Split)> {
            let mut pairs: Vec<_> = selected.into_iter().map(|(p, s)| (p.label, p.id, s)).collect();
            pairs.sort();
            pairs
        };
        assert_eq!(key(imbalance.select(posts(4, 100), 3)), key(imbalance.select(reversed, 3)));
    }
}
