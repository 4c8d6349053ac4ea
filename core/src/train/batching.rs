//! Which rows go into which batch, and the tensors of one batch. Epoch order is a pure function
//! of (seed, epoch), so a resumed run replays the same batches; bucketing by length keeps rows of
//! similar length together, and every batch is padded only to its own longest row (dynamic
//! padding), so little compute is spent on padding.

use super::dataset::{ColumnValues, Dataset};
use super::sampler::Sampling;
use crate::rng::SplitMix64;
/// How the rows of a training epoch are grouped into batches: `[training] batching` itself.
pub use crate::settings::Batching;
use std::cmp::Reverse;
use tch::{Device, Tensor};

/// Batches per bucket of [`Batching::Bucketed`]: large enough that a bucket sorted by length holds
/// near-equal neighbours, small enough that a bucket is a random sample of the data.
pub const BUCKET_BATCHES: usize = 50;

/// The batches (row indices) of one training epoch; deterministic in (`seed`, `epoch`), the rows
/// `sampling` picks (every row exactly once for [`Sampling::Shuffle`]), the last partial batch kept.
///
/// `Shuffled` cuts a seeded permutation into batches of `batch_size`. `Bucketed` cuts the
/// permutation into chunks of [`BUCKET_BATCHES`] × `batch_size` rows, sorts each chunk by length
/// (descending), cuts it into batches and shuffles the order of all batches: each batch holds
/// similar lengths while every epoch differs.
///
/// # Panics
/// If `batch_size` is 0.
pub fn epoch_batches(
    lengths: &[usize],
    batch_size: usize,
    policy: Batching,
    sampling: &Sampling,
    seed: u64,
    epoch: u64,
) -> Vec<Vec<usize>> {
    assert!(batch_size > 0, "batch size must be positive");
    let mut rng = epoch_rng(seed, epoch);
    let mut rows = sampling.epoch_rows(lengths.len(), &mut rng);
    rng.shuffle(&mut rows);
    match policy {
        Batching::Shuffled => rows.chunks(batch_size).map(<[usize]>::to_vec).collect(),
        Batching::Bucketed => {
            let mut batches = Vec::with_capacity(rows.len().div_ceil(batch_size));
            for bucket in rows.chunks_mut(BUCKET_BATCHES * batch_size) {
                // Stable, so ties keep their random order.
                bucket.sort_by_key(|&row| Reverse(lengths[row]));
                batches.extend(bucket.chunks(batch_size).map(<[usize]>::to_vec));
            }
            rng.shuffle(&mut batches);
            batches
        }
    }
}

/// A generator for one epoch: the seed and the epoch are hashed in turn, so epochs get unrelated
/// streams (adding `epoch` to the seed would merely shift SplitMix64's sequence).
fn epoch_rng(seed: u64, epoch: u64) -> SplitMix64 {
    let mixed = SplitMix64::new(seed).next_u64() ^ epoch;
    SplitMix64::new(SplitMix64::new(mixed).next_u64())
}

/// Evaluation batches: rows sorted by length (descending, ties by row) cut into batches of
/// `batch_size`; deterministic, with the least padding.
///
/// # Panics
/// If `batch_size` is 0.
pub fn eval_batches(lengths: &[usize], batch_size: usize) -> Vec<Vec<usize>> {
    assert!(batch_size > 0, "batch size must be positive");
    let mut rows: Vec<usize> = (0..lengths.len()).collect();
    rows.sort_by_key(|&row| Reverse(lengths[row]));
    rows.chunks(batch_size).map(<[usize]>::to_vec).collect()
}

/// Splits a batch's rows into micro-batches of at most `max_rows` (gradient accumulation); the
/// caller weights each micro-batch's loss by its share of rows.
///
/// # Panics
/// If `max_rows` is 0.
pub fn micro_batches(rows: &[usize], max_rows: usize) -> Vec<Vec<usize>> {
    assert!(max_rows > 0, "micro-batch size must be positive");
    rows.chunks(max_rows).map(<[usize]>::to_vec).collect()
}

/// The tensors of one batch.
#[derive(Debug)]
pub struct Batch {
    /// The dataset rows, in tensor order.
    pub rows: Vec<usize>,
    /// One `[B, L]` tensor per input, in the dataset's (forward) order.
    pub inputs: Vec<Tensor>,
    /// `[B]` class ids, int64.
    pub labels: Tensor,
    /// Sum of the rows' lengths of the first input.
    pub real_tokens: usize,
    /// `B × L − real_tokens` of the first input: positions filled with padding.
    pub padded_tokens: usize,
}

/// Builds the tensors of one batch on `device`: each input padded with 0 to the longest row *in
/// this batch* (`[B, L]`, int64 or float32), labels `[B]` int64. Fixed-length inputs give `[B, D]`
/// with no padding. Each input is filled into one flat buffer and copied to a tensor once.
///
/// # Panics
/// If a row is out of range, or libtorch cannot place the tensors on `device`.
pub fn collate(dataset: &Dataset, rows: &[usize], device: Device) -> Batch {
    let mut inputs = Vec::with_capacity(dataset.inputs.len());
    let (mut real_tokens, mut padded_tokens) = (0, 0);
    for (index, input) in dataset.inputs.iter().enumerate() {
        let width = rows.iter().map(|&row| input.row_len(row)).max().unwrap_or(0);
        let shape = [rows.len() as i64, width as i64];
        let tensor = match &input.values {
            ColumnValues::Int(values) => Tensor::from_slice(&padded(values, &input.offsets, rows, width)),
            ColumnValues::Float(values) => Tensor::from_slice(&padded(values, &input.offsets, rows, width)),
        };
        inputs.push(tensor.view(shape).to_device(device));
        if index == 0 {
            real_tokens = rows.iter().map(|&row| input.row_len(row)).sum();
            padded_tokens = rows.len() * width - real_tokens;
        }
    }
    let labels: Vec<i64> = rows.iter().map(|&row| dataset.labels[row]).collect();
    Batch {
        rows: rows.to_vec(),
        inputs,
        labels: Tensor::from_slice(&labels).to_device(device),
        real_tokens,
        padded_tokens,
    }
}

/// Rows `rows` of a flat column as one row-major `[rows.len(), width]` buffer, zero-padded.
fn padded<T: Copy + Default>(values: &[T], offsets: &[usize], rows: &[usize], width: usize) -> Vec<T> {
    let mut flat = vec![T::default(); rows.len() * width];
    for (slot, &row) in flat.chunks_exact_mut(width.max(1)).zip(rows) {
        let value = &values[offsets[row]..offsets[row + 1]];
        slot[..value.len()].copy_from_slice(value);
    }
    flat
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::dataset::InputColumn;
    use tch::Kind;

    /// Lengths with a long tail, like documents: mostly short, a few very long.
    fn skewed_lengths(n: usize) -> Vec<usize> {
        let mut rng = SplitMix64::new(7);
        (0..n).map(|_| 8 + (rng.below(1000) as usize).pow(3) / 2_000_000).collect()
    }

    fn padding(lengths: &[usize], batches: &[Vec<usize>]) -> usize {
        batches
            .iter()
            .map(|batch| {
                let longest = batch.iter().map(|&row| lengths[row]).max().unwrap_or(0);
                batch.iter().map(|&row| longest - lengths[row]).sum::<usize>()
            })
            .sum()
    }

    fn sorted_rows(batches: &[Vec<usize>]) -> Vec<usize> {
        let mut rows: Vec<usize> = batches.concat();
        rows.sort_unstable();
        rows
    }

    #[test]
    fn epochs_are_deterministic_per_seed_and_epoch() {
        let lengths = skewed_lengths(1000);
        for policy in [Batching::Bucketed, Batching::Shuffled] {
            let first = epoch_batches(&lengths, 16, policy, &Sampling::Shuffle, 42, 3);
            assert_eq!(first, epoch_batches(&lengths, 16, policy, &Sampling::Shuffle, 42, 3));
            assert_ne!(first, epoch_batches(&lengths, 16, policy, &Sampling::Shuffle, 42, 4));
            assert_ne!(first, epoch_batches(&lengths, 16, policy, &Sampling::Shuffle, 43, 3));
        }
    }

    #[test]
    fn every_row_appears_once_per_epoch_with_the_partial_batch_kept() {
        // 1,013 rows: several buckets of 50 × 8 rows plus a partial one.
        let lengths = skewed_lengths(1013);
        for policy in [Batching::Bucketed, Batching::Shuffled] {
            let batches = epoch_batches(&lengths, 8, policy, &Sampling::Shuffle, 1, 0);
            assert_eq!(sorted_rows(&batches), (0..1013).collect::<Vec<_>>());
            assert_eq!(batches.len(), 127);
            assert_eq!(batches.iter().filter(|batch| batch.len() != 8).count(), 1);
            assert!(batches.iter().all(|batch| !batch.is_empty() && batch.len() <= 8));
        }
        assert!(epoch_batches(&[], 8, Batching::Bucketed, &Sampling::Shuffle, 1, 0).is_empty());
    }

    #[test]
    fn balanced_sampling_goes_through_bucketing_with_equal_label_draws() {
        // 900 rows of label 0 and 100 of label 1: each label gets 500 draws per epoch.
        let lengths = skewed_lengths(1000);
        let labels: Vec<i64> = (0..1000).map(|row| i64::from(row >= 900)).collect();
        let sampling = Sampling::balanced(&labels, 2);
        for policy in [Batching::Bucketed, Batching::Shuffled] {
            let batches = epoch_batches(&lengths, 16, policy, &sampling, 8, 2);
            let rows = batches.concat();
            assert_eq!(rows.len(), 1000);
            assert_eq!(rows.iter().filter(|&&row| labels[row] == 1).count(), 500);
            assert_eq!(batches, epoch_batches(&lengths, 16, policy, &sampling, 8, 2));
            assert_ne!(batches, epoch_batches(&lengths, 16, policy, &sampling, 8, 3));
        }
    }

    #[test]
    fn bucketing_pads_far_less_than_shuffling_on_skewed_lengths() {
        let lengths = skewed_lengths(10_000);
        let bucketed = padding(&lengths, &epoch_batches(&lengths, 32, Batching::Bucketed, &Sampling::Shuffle, 5, 0));
        let shuffled = padding(&lengths, &epoch_batches(&lengths, 32, Batching::Shuffled, &Sampling::Shuffle, 5, 0));
        assert!(bucketed * 10 < shuffled, "bucketed {bucketed} vs shuffled {shuffled} padded tokens");
    }

    #[test]
    fn bucketed_batch_order_is_shuffled_not_sorted() {
        let lengths = skewed_lengths(2000);
        let batches = epoch_batches(&lengths, 4, Batching::Bucketed, &Sampling::Shuffle, 9, 0);
        let longest: Vec<usize> = batches.iter().map(|batch| lengths[batch[0]]).collect();
        assert!(longest.windows(2).any(|pair| pair[0] < pair[1]), "batches ordered by length");
    }

    #[test]
    fn eval_batches_are_sorted_longest_first() {
        let lengths = [3, 9, 1, 9, 5];
        assert_eq!(eval_batches(&lengths, 2), [vec![1, 3], vec![4, 0], vec![2]]);
        assert!(eval_batches(&[], 2).is_empty());
    }

    #[test]
    fn micro_batches_hold_at_most_max_rows() {
        assert_eq!(micro_batches(&[4, 5, 6, 7, 8], 2), [vec![4, 5], vec![6, 7], vec![8]]);
        assert_eq!(micro_batches(&[4, 5], 8), [vec![4, 5]]);
        assert!(micro_batches(&[], 3).is_empty());
    }

    fn tiny_dataset() -> Dataset {
        Dataset {
            ids: vec!["a".into(), "b".into(), "c".into()],
            labels: vec![2, 0, 1],
            inputs: vec![
                InputColumn {
                    name: "input_ids".into(),
                    offsets: vec![0, 3, 4, 6],
                    values: ColumnValues::Int(vec![5, 6, 7, 8, 9, 10]),
                },
                InputColumn {
                    name: "features".into(),
                    offsets: vec![0, 2, 4, 6],
                    values: ColumnValues::Float(vec![0.5, 1.5, 2.5, 3.5, 4.5, 5.5]),
                },
            ],
        }
    }

    #[test]
    fn collate_pads_each_input_to_the_longest_row_of_the_batch() {
        let batch = collate(&tiny_dataset(), &[1, 0], Device::Cpu);
        assert_eq!(batch.rows, [1, 0]);
        let ids = &batch.inputs[0];
        assert_eq!((ids.size(), ids.kind()), (vec![2, 3], Kind::Int64));
        assert_eq!(Vec::<i64>::try_from(ids.flatten(0, -1)).unwrap(), [8, 0, 0, 5, 6, 7]);
        assert_eq!((batch.real_tokens, batch.padded_tokens), (4, 2));
        let features = &batch.inputs[1];
        assert_eq!((features.size(), features.kind()), (vec![2, 2], Kind::Float));
        assert_eq!(Vec::<f32>::try_from(features.flatten(0, -1)).unwrap(), [2.5, 3.5, 0.5, 1.5]);
        assert_eq!(Vec::<i64>::try_from(&batch.labels).unwrap(), [0, 2]);
    }

    #[test]
    fn collate_pads_only_to_this_batch() {
        let batch = collate(&tiny_dataset(), &[1, 2], Device::Cpu);
        assert_eq!(batch.inputs[0].size(), [2, 2]);
        assert_eq!(Vec::<i64>::try_from(batch.inputs[0].flatten(0, -1)).unwrap(), [8, 0, 9, 10]);
        assert_eq!((batch.real_tokens, batch.padded_tokens), (3, 1));
    }

    #[test]
    fn collate_of_empty_rows_gives_zero_width() {
        let data = Dataset {
            ids: vec!["a".into()],
            labels: vec![0],
            inputs: vec![InputColumn { name: "x".into(), offsets: vec![0, 0], values: ColumnValues::Int(vec![]) }],
        };
        let batch = collate(&data, &[0], Device::Cpu);
        assert_eq!(batch.inputs[0].size(), [1, 0]);
        assert_eq!((batch.real_tokens, batch.padded_tokens), (0, 0));
    }
}
