//! Which training rows an epoch visits, before batching: every row once (`shuffle`, the default),
//! or as many draws as rows with each label drawn equally often (`balanced`, for skewed label
//! counts): a label's quota is drawn from its rows uniformly with replacement. Both are pure
//! functions of the generator they are handed, which batching seeds by (seed, epoch), so resumed and
//! data-parallel runs see the same epochs.

use crate::rng::SplitMix64;

/// How an epoch samples the training rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sampling {
    /// Every row exactly once.
    Shuffle,
    /// Equal draws per label, with replacement within a label; the rows of each label id (labels
    /// with no row are never drawn).
    Balanced(Vec<Vec<usize>>),
}

impl Sampling {
    /// Balanced sampling over rows whose label ids are `labels` (each below `num_labels`).
    pub fn balanced(labels: &[i64], num_labels: usize) -> Self {
        let mut by_label = vec![Vec::new(); num_labels];
        for (row, &label) in labels.iter().enumerate() {
            by_label[label as usize].push(row);
        }
        Self::Balanced(by_label)
    }

    /// The rows one epoch of `rows` rows visits, in no particular order (the caller shuffles).
    pub(crate) fn epoch_rows(&self, rows: usize, rng: &mut SplitMix64) -> Vec<usize> {
        let Self::Balanced(by_label) = self else {
            return (0..rows).collect();
        };
        let mut present: Vec<usize> = (0..by_label.len()).filter(|&label| !by_label[label].is_empty()).collect();
        if present.is_empty() {
            return Vec::new();
        }
        // `rows` draws split as evenly as they go; a seeded choice of labels takes the remainder.
        let (quota, extra) = (rows / present.len(), rows % present.len());
        rng.shuffle(&mut present);
        let mut quotas = vec![0usize; by_label.len()];
        for (rank, &label) in present.iter().enumerate() {
            quotas[label] = quota + usize::from(rank < extra);
        }
        let mut drawn = Vec::with_capacity(rows);
        for (label, pool) in by_label.iter().enumerate() {
            for _ in 0..quotas[label] {
                drawn.push(pool[rng.below(pool.len() as u64) as usize]);
            }
        }
        drawn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1,000 rows with label counts 700, 200, 90, 10 (and a fifth label with none).
    fn skewed_labels() -> Vec<i64> {
        [(0, 700), (1, 200), (2, 90), (3, 10)].iter().flat_map(|&(label, n)| std::iter::repeat_n(label, n)).collect()
    }

    fn label_tally(labels: &[i64], rows: &[usize]) -> Vec<usize> {
        let mut tally = vec![0; 5];
        for &row in rows {
            tally[labels[row] as usize] += 1;
        }
        tally
    }

    #[test]
    fn balanced_epochs_draw_every_present_label_equally_and_keep_the_length() {
        let labels = skewed_labels();
        let sampling = Sampling::balanced(&labels, 5);
        let rows = sampling.epoch_rows(labels.len(), &mut SplitMix64::new(3));
        assert_eq!(rows.len(), 1000);
        assert_eq!(label_tally(&labels, &rows), [250, 250, 250, 250, 0]);
        // 1,002 draws over 4 labels: two labels get one more.
        let rows = sampling.epoch_rows(1002, &mut SplitMix64::new(3));
        let mut tally = label_tally(&labels, &rows);
        tally.sort_unstable();
        assert_eq!(tally, [0, 250, 250, 251, 251]);
    }

    #[test]
    fn balanced_draws_repeat_rare_rows_and_depend_on_the_generator() {
        let labels = skewed_labels();
        let sampling = Sampling::balanced(&labels, 5);
        let rows = sampling.epoch_rows(labels.len(), &mut SplitMix64::new(3));
        let rare: Vec<usize> = rows.iter().copied().filter(|&row| labels[row] == 3).collect();
        let mut distinct = rare.clone();
        distinct.sort_unstable();
        distinct.dedup();
        // 250 draws from 10 rows: every row drawn, with replacement.
        assert_eq!(distinct, (990..1000).collect::<Vec<_>>());
        assert_eq!(rows, sampling.epoch_rows(labels.len(), &mut SplitMix64::new(3)));
        assert_ne!(rows, sampling.epoch_rows(labels.len(), &mut SplitMix64::new(4)));
    }

    #[test]
    fn shuffle_visits_every_row_once() {
        assert_eq!(Sampling::Shuffle.epoch_rows(5, &mut SplitMix64::new(1)), [0, 1, 2, 3, 4]);
        assert!(Sampling::balanced(&[], 2).epoch_rows(0, &mut SplitMix64::new(1)).is_empty());
    }
}
