//! This process's replica in data-parallel training: its rank, its shard of each batch, and the
//! few collectives the trainer needs (gradient sums, broadcasts from rank 0, gathers of
//! evaluation results), all through PyTorch's own c10d ([`mlpipe_c10d`]). A single-process run is
//! the replica of a world of one: every collective is then a no-op, so the trainer has one code
//! path.

use super::env::WorkerEnv;
use crate::{Error, Result};
use mlpipe_c10d::{Backend, GroupConfig, ProcessGroup, ReduceOp};
use mlpipe_plugin_api::tch::{self, Device, Kind, Tensor};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;

/// This process's place among the replicas (cheap to clone).
#[derive(Clone)]
pub struct Replica {
    group: Option<Arc<ProcessGroup>>,
    /// Where this replica's tensors live (NCCL moves CUDA tensors only).
    device: Device,
    /// Replicas on this host (they share its CPU cores).
    local_world_size: usize,
}

impl Default for Replica {
    fn default() -> Self {
        Self { group: None, device: Device::Cpu, local_world_size: 1 }
    }
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Replica(rank {} of {})", self.rank(), self.world_size())
    }
}

impl Replica {
    /// The only replica: no communication.
    pub fn single() -> Self {
        Self::default()
    }

    /// Joins the job `env` describes: rendezvous at its store, Gloo on CPU and NCCL on CUDA.
    ///
    /// # Errors
    /// [`Error::Distributed`] when the peers do not all arrive within `timeout` or the backend is
    /// unavailable.
    pub fn join(env: &WorkerEnv, device: Device, timeout: Duration) -> Result<Self> {
        let backend = if device.is_cuda() { Backend::Nccl } else { Backend::Gloo };
        let config = GroupConfig {
            backend,
            rank: env.rank,
            world_size: env.world_size,
            master_addr: env.master_addr.clone(),
            master_port: env.master_port,
            is_store_server: env.rank == 0 && !env.agent_store,
            timeout,
        };
        let group = ProcessGroup::new(&config).map_err(dist_error)?;
        Ok(Self { group: Some(Arc::new(group)), device, local_world_size: env.local_world_size.max(1) })
    }

    /// Global rank (0 for a single process).
    pub fn rank(&self) -> usize {
        self.group.as_ref().map_or(0, |group| group.rank())
    }

    /// Number of replicas (1 for a single process).
    pub fn world_size(&self) -> usize {
        self.group.as_ref().map_or(1, |group| group.world_size())
    }

    /// Rank 0: the one replica that writes files, logs metrics and exports.
    pub fn is_leader(&self) -> bool {
        self.rank() == 0
    }

    /// Replicas on this host.
    pub fn local_world_size(&self) -> usize {
        self.local_world_size
    }

    /// Where this replica's tensors live.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The communication backend, `None` for a single process.
    pub fn backend(&self) -> Option<Backend> {
        self.group.as_ref().map(|group| group.backend())
    }

    /// This replica's rows of a global batch (rows `rank, rank + world, ...`): the shards of all
    /// replicas are disjoint and together make the batch.
    pub fn shard(&self, rows: &[usize]) -> Vec<usize> {
        shard_rows(rows, self.rank(), self.world_size())
    }

    /// Adds `tensors` element-wise across replicas, in place.
    ///
    /// # Errors
    /// [`Error::Distributed`] when a peer is gone or does not answer within the timeout.
    pub fn sum(&self, tensors: &[Tensor]) -> Result<()> {
        match &self.group {
            // In-place writes into leaf tensors that require grad are only allowed without autograd.
            Some(group) if !tensors.is_empty() => {
                tch::no_grad(|| group.all_reduce(tensors, ReduceOp::Sum)).map_err(dist_error)
            }
            _ => Ok(()),
        }
    }

    /// Adds `values` element-wise across replicas (float64, exact for counts below 2^53).
    ///
    /// # Errors
    /// See [`Replica::sum`].
    pub fn sum_f64(&self, values: &mut [f64]) -> Result<()> {
        if self.group.is_none() || values.is_empty() {
            return Ok(());
        }
        let tensor = self.on_group_device(Tensor::from_slice(values));
        self.sum(std::slice::from_ref(&tensor))?;
        let summed = Vec::<f64>::try_from(tensor.to_device(Device::Cpu)).map_err(dist_error)?;
        values.copy_from_slice(&summed);
        Ok(())
    }

    /// Overwrites `tensors` on every replica with rank 0's values.
    ///
    /// # Errors
    /// See [`Replica::sum`].
    pub fn broadcast_from_leader(&self, tensors: &[Tensor]) -> Result<()> {
        match &self.group {
            Some(group) if !tensors.is_empty() => tch::no_grad(|| group.broadcast(tensors, 0)).map_err(dist_error),
            _ => Ok(()),
        }
    }

    /// Rank 0's `value` on every replica.
    ///
    /// # Errors
    /// See [`Replica::sum`].
    pub fn broadcast_u64(&self, value: u64) -> Result<u64> {
        if self.group.is_none() {
            return Ok(value);
        }
        let tensor = self.on_group_device(Tensor::from_slice(&[value as i64]));
        self.broadcast_from_leader(std::slice::from_ref(&tensor))?;
        Ok(tensor.int64_value(&[0]) as u64)
    }

    /// Every replica's `tensor` (same shape and dtype everywhere), in rank order.
    ///
    /// # Errors
    /// See [`Replica::sum`].
    pub fn all_gather(&self, tensor: &Tensor) -> Result<Vec<Tensor>> {
        match &self.group {
            Some(group) => {
                let gathered = group.all_gather(&self.on_group_device(tensor.shallow_clone())).map_err(dist_error)?;
                Ok(gathered.into_iter().map(|t| t.to_device(Device::Cpu)).collect())
            }
            None => Ok(vec![tensor.shallow_clone()]),
        }
    }

    /// Waits until every replica got here.
    ///
    /// # Errors
    /// See [`Replica::sum`].
    pub fn barrier(&self) -> Result<()> {
        match &self.group {
            Some(group) => group.barrier().map_err(dist_error),
            None => Ok(()),
        }
    }

    /// Checks that every replica holds bit-identical `tensors` (the model's parameters after
    /// training): each hashes its own, the hashes are gathered and compared. Returns the hash.
    ///
    /// # Errors
    /// [`Error::Distributed`] naming the replicas that drifted from rank 0, or a failed gather.
    pub fn check_identical(&self, tensors: &[Tensor]) -> Result<String> {
        let mut hasher = Sha256::new();
        for tensor in tensors {
            let bytes = tensor.detach().to_device(Device::Cpu).contiguous().flatten(0, -1).view_dtype(Kind::Uint8);
            let bytes = Vec::<u8>::try_from(bytes).map_err(dist_error)?;
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(&bytes);
        }
        let digest: [u8; 32] = hasher.finalize().into();
        let mine = Tensor::from_slice(&digest);
        let all = self.all_gather(&mine)?;
        let drifted: Vec<usize> = (0..all.len())
            .filter(|&rank| Vec::<u8>::try_from(&all[rank]).map_or(true, |theirs| theirs != digest.as_slice()))
            .collect();
        if !drifted.is_empty() {
            return Err(Error::Distributed {
                what: format!(
                    "the parameters of rank(s) {drifted:?} differ from rank {}'s after training: the replicas drifted apart",
                    self.rank()
                ),
            });
        }
        Ok(hex::encode(digest))
    }

    /// Gives up on pending communication (a peer is known to be dead).
    pub fn abort(&self) {
        if let Some(group) = &self.group {
            group.abort();
        }
    }

    /// NCCL only moves CUDA tensors; Gloo takes them on the CPU.
    fn on_group_device(&self, tensor: Tensor) -> Tensor {
        match self.backend() {
            Some(Backend::Nccl) => tensor.to_device(self.device),
            _ => tensor,
        }
    }
}

fn dist_error(err: impl std::fmt::Display) -> Error {
    Error::Distributed { what: err.to_string() }
}
/// Rows `rank, rank + world, ...` of a permutation: a disjoint shard per rank (data-parallel
/// training); the shards of all ranks together are `rows`.
///
/// # Panics
/// If `world` is 0.
pub fn shard_rows(rows: &[usize], rank: usize, world: usize) -> Vec<usize> {
    assert!(world > 0, "world size must be positive");
    rows.iter().skip(rank).step_by(world).copied().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_the_rows() {
        let rows = [7, 3, 9, 1, 4, 8, 2];
        let shards: Vec<Vec<usize>> = (0..3).map(|rank| shard_rows(&rows, rank, 3)).collect();
        assert_eq!(shards, [vec![7, 1, 2], vec![3, 4], vec![9, 8]]);
        assert_eq!(shard_rows(&rows, 0, 1), rows);
    }
}
