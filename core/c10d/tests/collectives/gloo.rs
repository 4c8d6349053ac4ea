//! Collective results over Gloo, against values computed here from each rank's inputs.

use std::time::{Duration, Instant};

use mlpipe_c10d::ReduceOp;
use tch::{Device, Kind, Tensor};

use crate::harness::{run_ranks, values};

const TIMEOUT: Duration = Duration::from_secs(20);

/// Rank `rank`'s tensors: mixed dtypes and shapes (including a 0-dim scalar and negatives), so
/// buckets of different dtypes and the unflattening back into shapes are both exercised.
fn rank_inputs(rank: usize) -> Vec<Tensor> {
    let r = rank as f64;
    let f32s: Vec<f32> = (0..6).map(|i| ((i + 1) * (rank + 1)) as f32).collect();
    let f64s: Vec<f64> = (0..5).map(|i| r * 0.25 + i as f64).collect();
    let i64s: Vec<i64> = (0..8).map(|i| (i - 3) * (rank as i64 + 1)).collect();
    vec![
        Tensor::from_slice(&f32s).view([2, 3]),
        Tensor::from_slice(&f64s),
        Tensor::from_slice(&i64s).view([4, 1, 2]),
        Tensor::from(rank as f32 + 1.0),
    ]
}

/// What `op` over every rank's [`rank_inputs`] gives, element by element.
fn expected(world_size: usize, op: ReduceOp) -> Vec<Vec<f64>> {
    let per_rank: Vec<Vec<Vec<f64>>> = (0..world_size).map(|r| rank_inputs(r).iter().map(values).collect()).collect();
    let combine = |a: f64, b: f64| match op {
        ReduceOp::Sum => a + b,
        ReduceOp::Max => a.max(b),
        ReduceOp::Min => a.min(b),
    };
    per_rank[0]
        .iter()
        .enumerate()
        .map(|(t, first)| {
            (0..first.len())
                .map(|i| per_rank[1..].iter().fold(first[i], |acc, rank| combine(acc, rank[t][i])))
                .collect()
        })
        .collect()
}

#[test]
fn all_reduce_sum_and_max_of_mixed_dtypes_and_shapes() {
    for world_size in [2, 3] {
        for op in [ReduceOp::Sum, ReduceOp::Max] {
            let results = run_ranks(world_size, TIMEOUT, move |group| {
                let tensors = rank_inputs(group.rank());
                group.all_reduce(&tensors, op).expect("all_reduce");
                let shapes: Vec<_> = tensors.iter().map(|t| (t.size(), t.kind())).collect();
                (tensors.iter().map(values).collect::<Vec<_>>(), shapes)
            });
            let shapes: Vec<_> = rank_inputs(0).iter().map(|t| (t.size(), t.kind())).collect();
            for (rank, (got, got_shapes)) in results.into_iter().enumerate() {
                assert_eq!(got, expected(world_size, op), "{op:?} on rank {rank} of {world_size}");
                assert_eq!(got_shapes, shapes, "shapes and dtypes stay as they were");
            }
        }
    }
}

#[test]
fn broadcast_from_rank_1_overwrites_every_other_rank() {
    let results = run_ranks(3, TIMEOUT, |group| {
        let tensors = rank_inputs(group.rank());
        group.broadcast(&tensors, 1).expect("broadcast");
        tensors.iter().map(values).collect::<Vec<_>>()
    });
    let root: Vec<_> = rank_inputs(1).iter().map(values).collect();
    for (rank, got) in results.into_iter().enumerate() {
        assert_eq!(got, root, "rank {rank}");
    }
}

#[test]
fn all_gather_returns_every_rank_tensor_in_rank_order() {
    let results = run_ranks(3, TIMEOUT, |group| {
        let r = group.rank() as i64;
        let mine = Tensor::from_slice(&[r, 10 + r, 20 + r, 30 + r]).view([2, 2]);
        let gathered = group.all_gather(&mine).expect("all_gather");
        gathered.iter().map(|t| (t.size(), t.kind(), values(t))).collect::<Vec<_>>()
    });
    let expected: Vec<_> = (0..3)
        .map(|r| (vec![2, 2], Kind::Int64, vec![r as f64, 10. + r as f64, 20. + r as f64, 30. + r as f64]))
        .collect();
    for got in results {
        assert_eq!(got, expected);
    }
}

#[test]
fn barrier_waits_for_the_slowest_rank() {
    let waits = run_ranks(3, TIMEOUT, |group| {
        if group.rank() == 2 {
            std::thread::sleep(Duration::from_millis(400));
        }
        let start = Instant::now();
        group.barrier().expect("barrier");
        start.elapsed()
    });
    assert!(waits[0] >= Duration::from_millis(250), "rank 0 waited only {:?}", waits[0]);
    assert!(waits[1] >= Duration::from_millis(250), "rank 1 waited only {:?}", waits[1]);
}

/// Tensor `k` of rank `rank` in the bucket tests: distinct values per position and per tensor, so
/// a bucket copied back to the wrong place shows.
fn big_tensor(k: i64, numel: i64, rank: usize) -> Tensor {
    let base = Tensor::arange(numel, (Kind::Float, Device::Cpu)).remainder(1000) + (1000 * k) as f64;
    base * (rank as f64 + 1.0)
}

#[test]
fn all_reduce_over_25_mb_uses_several_buckets_and_stays_exact() {
    // Four 8 MB f32 tensors (32 MB: two buckets) and an f64 tensor (a third).
    const NUMEL: i64 = 2_000_000;
    let results = run_ranks(2, TIMEOUT, |group| {
        let mut tensors: Vec<Tensor> = (0..4).map(|k| big_tensor(k, NUMEL, group.rank())).collect();
        tensors.push(Tensor::full([3], group.rank() as f64 + 0.5, (Kind::Double, Device::Cpu)));
        group.all_reduce(&tensors, ReduceOp::Sum).expect("all_reduce");
        tensors
    });
    for tensors in results {
        for k in 0..4 {
            // Sum over ranks 0 and 1 of base * (rank + 1) = 3 * base.
            let expected = big_tensor(k, NUMEL, 0) * 3.0;
            assert!(tensors[k as usize].equal(&expected), "tensor {k}");
        }
        assert_eq!(values(&tensors[4]), [2.0, 2.0, 2.0]);
    }
}

#[test]
fn all_reduce_of_23_mb_of_parameters_reports_its_time() {
    // 38 parameters of 150,000 f32 values: 22.8 MB, one full bucket plus a small one.
    const ROUNDS: u32 = 10;
    let results = run_ranks(2, TIMEOUT, |group| {
        let params: Vec<Tensor> = (0..38).map(|k| big_tensor(k % 10, 150_000, group.rank())).collect();
        let mut times = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            group.all_reduce(&params, ReduceOp::Sum).expect("all_reduce");
            times.push(start.elapsed());
        }
        // The same bytes as one tensor: no flattening or copying back, just the collective.
        let flat = Tensor::ones([38 * 150_000], (Kind::Float, Device::Cpu));
        let start = Instant::now();
        group.all_reduce(std::slice::from_ref(&flat), ReduceOp::Sum).expect("all_reduce");
        eprintln!("  the same 22.8 MB as a single tensor: {:?}", start.elapsed());
        (times, params)
    });
    // Round 1 turns base and 2 * base into 3 * base on both ranks; each later round doubles it.
    // Every value stays below 2^24, so f32 keeps them exact.
    let scale = 3.0 * 2f64.powi(ROUNDS as i32 - 1);
    for (times, params) in &results {
        for (k, param) in params.iter().enumerate() {
            assert!(param.equal(&(big_tensor(k as i64 % 10, 150_000, 0) * scale)), "parameter {k}");
        }
        let mean = times.iter().sum::<Duration>() / ROUNDS;
        let min = times.iter().min().expect("rounds");
        eprintln!("all_reduce of 22.8 MB f32 over 2 ranks on loopback: mean {mean:?}, min {min:?} ({ROUNDS} rounds)");
    }
}
