//! Seeded, stratified splitting of the training pool. Records the plugin placed in a split keep
//! it; when the plugin gives no validation (or no test) records, a fraction of each label's pool is
//! moved there. The result depends only on the seed, the fractions and the set of (id, label)
//! pairs: records are ordered by id before shuffling, so the plugin's emission order is irrelevant.

use crate::rng::SplitMix64;
use mlpipe_plugin_api::{Record, Split};
use std::collections::BTreeMap;

/// What [`assign_splits`] did, for the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitPlan {
    /// A validation split was carved from the pool (the plugin gave none).
    pub made_validation: bool,
    /// A test split was carved from the pool (the plugin gave none).
    pub made_test: bool,
}

impl SplitPlan {
    /// One line for the manifest and the log.
    pub fn describe(&self, validation_fraction: f64, test_fraction: f64, seed: u64) -> String {
        match (self.made_validation, self.made_test) {
            (false, false) => "all splits given by the plugin".to_string(),
            (true, false) => format!("validation: stratified {validation_fraction} of train (seed {seed}); train and test given by the plugin"),
            (false, true) => format!("test: stratified {test_fraction} of train (seed {seed}); train and validation given by the plugin"),
            (true, true) => format!("validation {validation_fraction} and test {test_fraction}: stratified from the plugin's records (seed {seed})"),
        }
    }
}

/// Gives every record a split. Records with no split or `Train` form the pool. A missing
/// validation split takes `round(n * validation_fraction)` of each label's pool; a missing test
/// split takes `round(n * test_fraction)` (0 leaves the experiment without test records).
pub fn assign_splits(records: &mut [Record], validation_fraction: f64, test_fraction: f64, seed: u64) -> SplitPlan {
    let has = |split| records.iter().any(|record| record.split == Some(split));
    let plan =
        SplitPlan { made_validation: !has(Split::Validation), made_test: !has(Split::Test) && test_fraction > 0.0 };
    let mut pools: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        if matches!(record.split, None | Some(Split::Train)) {
            pools.entry(record.label.as_str()).or_default().push(index);
        }
    }
    let mut rng = SplitMix64::new(seed);
    let mut moves: Vec<(usize, Split)> = Vec::new();
    for pool in pools.values_mut() {
        pool.sort_by(|&a, &b| records[a].id.cmp(&records[b].id));
        rng.shuffle(pool);
        let take = |fraction: f64| (pool.len() as f64 * fraction).round() as usize;
        let n_test = if plan.made_test { take(test_fraction) } else { 0 };
        let n_validation = if plan.made_validation { take(validation_fraction) } else { 0 };
        for (rank, &index) in pool.iter().enumerate() {
            let split = if rank < n_test {
                Split::Test
            } else if rank < n_test + n_validation {
                Split::Validation
            } else {
                Split::Train
            };
            moves.push((index, split));
        }
    }
    for (index, split) in moves {
        records[index].split = Some(split);
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(n: usize, labels: &[&str]) -> Vec<Record> {
        (0..n).map(|i| Record::new(format!("r{i:04}"), labels[i % labels.len()])).collect()
    }

    fn count(records: &[Record], label: &str, split: Split) -> usize {
        records.iter().filter(|r| r.label == label && r.split == Some(split)).count()
    }

    #[test]
    fn stratifies_each_label_by_its_fractions() {
        let mut records = pool(300, &["a", "b", "c"]);
        let plan = assign_splits(&mut records, 0.1, 0.2, 7);
        assert!(plan.made_validation && plan.made_test);
        for label in ["a", "b", "c"] {
            assert_eq!(count(&records, label, Split::Test), 20);
            assert_eq!(count(&records, label, Split::Validation), 10);
            assert_eq!(count(&records, label, Split::Train), 70);
        }
    }

    #[test]
    fn keeps_plugin_splits_and_only_makes_missing_ones() {
        let mut records = pool(100, &["a", "b"]);
        for record in records.iter_mut().take(30) {
            record.split = Some(Split::Test);
        }
        let plan = assign_splits(&mut records, 0.5, 0.3, 1);
        assert!(plan.made_validation && !plan.made_test);
        assert_eq!(records.iter().filter(|r| r.split == Some(Split::Test)).count(), 30);
        // 35 pool records per label; round(35 * 0.5) = 18 (halves round away from zero).
        assert_eq!(records.iter().filter(|r| r.split == Some(Split::Validation)).count(), 36);
    }

    #[test]
    fn does_not_depend_on_emission_order_but_on_seed() {
        let mut forward = pool(200, &["a", "b"]);
        let mut backward: Vec<Record> = forward.iter().rev().cloned().collect();
        assign_splits(&mut forward, 0.1, 0.1, 42);
        assign_splits(&mut backward, 0.1, 0.1, 42);
        let key = |records: &[Record]| {
            let mut pairs: Vec<(String, Option<Split>)> = records.iter().map(|r| (r.id.clone(), r.split)).collect();
            pairs.sort();
            pairs
        };
        assert_eq!(key(&forward), key(&backward));
        let mut other_seed = pool(200, &["a", "b"]);
        assign_splits(&mut other_seed, 0.1, 0.1, 43);
        assert_ne!(key(&forward), key(&other_seed));
    }

    #[test]
    fn zero_test_fraction_makes_no_test_split() {
        let mut records = pool(50, &["a"]);
        let plan = assign_splits(&mut records, 0.2, 0.0, 3);
        assert!(!plan.made_test);
        assert_eq!(records.iter().filter(|r| r.split == Some(Split::Test)).count(), 0);
        assert_eq!(records.iter().filter(|r| r.split == Some(Split::Validation)).count(), 10);
    }
}
