//! Collective results over NCCL on CUDA tensors, one rank per GPU (NCCL refuses two ranks on one
//! device): all_reduce sum and max, broadcast, all_gather and a barrier, against values computed
//! here. Compiled as ignored, so counted as not run, unless the machine that built the tests has
//! a GPU (`cfg(mlpipe_cuda_device)`, set by build.rs from `nvidia-smi -L`).

use std::time::Duration;

use mlpipe_c10d::{nccl_available, Backend, ReduceOp};
use tch::{Device, Kind, Tensor};

use crate::harness::{run_ranks_on, values};

const TIMEOUT: Duration = Duration::from_secs(60);

/// Ranks for this machine: one per GPU, at most 2 (1 on a single-GPU machine: a world of one
/// still creates a NCCL communicator and runs every collective through it).
fn world_size() -> usize {
    assert!(nccl_available(), "a GPU was found at build time but NCCL is not available: {}", tch::Cuda::device_count());
    (tch::Cuda::device_count() as usize).clamp(1, 2)
}

fn device(rank: usize) -> Device {
    Device::Cuda(rank)
}

#[test]
#[cfg_attr(not(mlpipe_cuda_device), ignore = "no GPU when the tests were built: NCCL needs one")]
fn nccl_all_reduce_broadcast_all_gather_and_barrier_on_cuda() {
    let world = world_size();
    let results = run_ranks_on(Backend::Nccl, world, TIMEOUT, move |group| {
        let rank = group.rank();
        let on = device(rank);
        let r = rank as f32;
        let sum = [
            Tensor::from_slice(&[1.0 + r, 2.0 * (r + 1.0), -3.0]).to_device(on),
            Tensor::from_slice(&[10i64 * (rank as i64 + 1)]).to_device(on),
        ];
        group.all_reduce(&sum, ReduceOp::Sum).expect("all_reduce sum");
        let max = [Tensor::from_slice(&[r, -r, 5.0]).to_device(on)];
        group.all_reduce(&max, ReduceOp::Max).expect("all_reduce max");
        let broadcast = [Tensor::from_slice(&[r + 100.0, r + 200.0]).to_device(on).to_kind(Kind::BFloat16)];
        group.broadcast(&broadcast, 0).expect("broadcast");
        let gathered = group.all_gather(&Tensor::from_slice(&[r, r * 10.0]).to_device(on)).expect("all_gather");
        group.barrier().expect("barrier");
        let kept_on_device = sum.iter().chain(&max).chain(&broadcast).all(|t| t.device() == on);
        (
            sum.iter().map(|t| values(&t.to_device(Device::Cpu))).collect::<Vec<_>>(),
            values(&max[0].to_device(Device::Cpu)),
            values(&broadcast[0].to_device(Device::Cpu)),
            gathered.iter().map(|t| values(&t.to_device(Device::Cpu))).collect::<Vec<_>>(),
            kept_on_device,
        )
    });
    let ranks: Vec<f64> = (0..world).map(|r| r as f64).collect();
    let expected_sum = vec![
        vec![ranks.iter().map(|r| 1.0 + r).sum(), ranks.iter().map(|r| 2.0 * (r + 1.0)).sum(), -3.0 * world as f64],
        vec![ranks.iter().map(|r| 10.0 * (r + 1.0)).sum()],
    ];
    let top = (world - 1) as f64;
    for (rank, (sum, max, broadcast, gathered, kept_on_device)) in results.into_iter().enumerate() {
        assert_eq!(sum, expected_sum, "rank {rank}: sum");
        assert_eq!(max, vec![top, 0.0, 5.0], "rank {rank}: max");
        assert_eq!(broadcast, vec![100.0, 200.0], "rank {rank}: broadcast from rank 0");
        assert_eq!(gathered, ranks.iter().map(|r| vec![*r, r * 10.0]).collect::<Vec<_>>(), "rank {rank}: all_gather");
        assert!(kept_on_device, "rank {rank}: results stay on the GPU");
    }
}
