//! Where a worker sits in a distributed job, read from the variables its launcher set. mlpipe's own
//! launcher and `torchrun` set the same ones (`RANK`, `LOCAL_RANK`, `WORLD_SIZE`,
//! `LOCAL_WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`, `TORCHELASTIC_USE_AGENT_STORE`), so a worker
//! does not care who started it. SageMaker's multi-host contract (`SM_HOSTS`, `SM_CURRENT_HOST`,
//! `SM_NUM_GPUS`) is turned into a [`HostPlan`]: this host's share of the ranks.

use crate::{Error, Result};

/// The port rank 0 (or torchrun's agent) serves the rendezvous store on when the launcher does not
/// pick one: PyTorch's own default.
pub const DEFAULT_MASTER_PORT: u16 = 29500;

/// One worker's place in the job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerEnv {
    /// Global rank, `0..world_size`.
    pub rank: usize,
    /// Rank among the workers of this host (selects the GPU).
    pub local_rank: usize,
    /// Workers in the whole job.
    pub world_size: usize,
    /// Workers on this host.
    pub local_world_size: usize,
    /// Host of the rendezvous store.
    pub master_addr: String,
    /// Port of the rendezvous store.
    pub master_port: u16,
    /// torchrun's agent already serves the store: every rank, rank 0 included, is a client.
    pub agent_store: bool,
}

impl WorkerEnv {
    /// The worker described by `var` (usually the process environment), or `None` when `RANK` and
    /// `WORLD_SIZE` are not both set (not a worker).
    ///
    /// # Errors
    /// [`Error::Unsupported`] naming the variable whose value is malformed or inconsistent.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let (Some(rank), Some(world)) = (var("RANK"), var("WORLD_SIZE")) else {
            return Ok(None);
        };
        let number = |name: &str, value: &str| -> Result<usize> {
            value.trim().parse().map_err(|_| bad(name, value, "expected a non-negative integer"))
        };
        let rank = number("RANK", &rank)?;
        let world_size = number("WORLD_SIZE", &world)?;
        if world_size == 0 || rank >= world_size {
            return Err(bad("RANK", &rank.to_string(), &format!("must be below WORLD_SIZE={world_size}")));
        }
        let local_rank = var("LOCAL_RANK").map(|v| number("LOCAL_RANK", &v)).transpose()?.unwrap_or(rank);
        let local_world_size =
            var("LOCAL_WORLD_SIZE").map(|v| number("LOCAL_WORLD_SIZE", &v)).transpose()?.unwrap_or(world_size);
        if local_rank >= local_world_size.max(1) {
            return Err(bad(
                "LOCAL_RANK",
                &local_rank.to_string(),
                &format!("must be below LOCAL_WORLD_SIZE={local_world_size}"),
            ));
        }
        let master_addr = var("MASTER_ADDR").unwrap_or_else(|| "127.0.0.1".into());
        let master_port = match var("MASTER_PORT") {
            Some(port) => port.trim().parse().map_err(|_| bad("MASTER_PORT", &port, "expected a port number"))?,
            None => DEFAULT_MASTER_PORT,
        };
        let agent_store = var("TORCHELASTIC_USE_AGENT_STORE").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        Ok(Some(Self { rank, local_rank, world_size, local_world_size, master_addr, master_port, agent_store }))
    }

    /// The worker of this process's environment.
    ///
    /// # Errors
    /// See [`WorkerEnv::from_vars`].
    pub fn from_process() -> Result<Option<Self>> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// The variables that describe this worker to a child process (torchrun's names).
    pub fn to_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("RANK", self.rank.to_string()),
            ("LOCAL_RANK", self.local_rank.to_string()),
            ("WORLD_SIZE", self.world_size.to_string()),
            ("LOCAL_WORLD_SIZE", self.local_world_size.to_string()),
            ("MASTER_ADDR", self.master_addr.clone()),
            ("MASTER_PORT", self.master_port.to_string()),
        ]
    }
}

/// The ranks one host runs: `nproc_per_node` workers, global ranks
/// `node_rank * nproc_per_node ..`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPlan {
    /// This host's index among the hosts, `0..nnodes`.
    pub node_rank: usize,
    /// Hosts in the job.
    pub nnodes: usize,
    /// Workers this host starts.
    pub nproc_per_node: usize,
    /// Host of the rendezvous store (the first host).
    pub master_addr: String,
    /// Port of the rendezvous store.
    pub master_port: u16,
}

impl HostPlan {
    /// Every worker on this machine, with the store on loopback.
    pub fn single_host(nproc: usize, master_port: u16) -> Self {
        Self { node_rank: 0, nnodes: 1, nproc_per_node: nproc, master_addr: "127.0.0.1".into(), master_port }
    }

    /// The plan SageMaker's training contract describes, or `None` outside SageMaker (`SM_HOSTS`
    /// unset). Hosts run `SM_NUM_GPUS` workers each (`cpu_processes` on CPU instances); the first
    /// host of `SM_HOSTS` serves the store on `MASTER_PORT` (default 29500).
    ///
    /// # Errors
    /// [`Error::Unsupported`] naming the variable that is malformed, or `SM_CURRENT_HOST` missing
    /// from `SM_HOSTS`.
    pub fn from_sagemaker(var: impl Fn(&str) -> Option<String>, cpu_processes: usize) -> Result<Option<Self>> {
        let Some(hosts) = var("SM_HOSTS") else { return Ok(None) };
        let hosts: Vec<String> =
            serde_json::from_str(&hosts).map_err(|_| bad("SM_HOSTS", &hosts, "expected a JSON list of host names"))?;
        if hosts.is_empty() {
            return Err(bad("SM_HOSTS", "[]", "lists no hosts"));
        }
        let current = var("SM_CURRENT_HOST").ok_or_else(|| bad("SM_CURRENT_HOST", "", "is not set"))?;
        let node_rank = hosts
            .iter()
            .position(|host| *host == current)
            .ok_or_else(|| bad("SM_CURRENT_HOST", &current, &format!("is not one of SM_HOSTS {hosts:?}")))?;
        let gpus = match var("SM_NUM_GPUS") {
            Some(value) => {
                value.trim().parse::<usize>().map_err(|_| bad("SM_NUM_GPUS", &value, "expected an integer"))?
            }
            None => 0,
        };
        let master_port = match var("MASTER_PORT") {
            Some(port) => port.trim().parse().map_err(|_| bad("MASTER_PORT", &port, "expected a port number"))?,
            None => DEFAULT_MASTER_PORT,
        };
        Ok(Some(Self {
            node_rank,
            nnodes: hosts.len(),
            nproc_per_node: if gpus > 0 { gpus } else { cpu_processes.max(1) },
            master_addr: hosts[0].clone(),
            master_port,
        }))
    }

    /// All ranks of the job.
    pub fn world_size(&self) -> usize {
        self.nnodes * self.nproc_per_node
    }

    /// The worker with `local_rank` on this host.
    pub fn worker(&self, local_rank: usize) -> WorkerEnv {
        WorkerEnv {
            rank: self.node_rank * self.nproc_per_node + local_rank,
            local_rank,
            world_size: self.world_size(),
            local_world_size: self.nproc_per_node,
            master_addr: self.master_addr.clone(),
            master_port: self.master_port,
            agent_store: false,
        }
    }
}

fn bad(name: &str, value: &str, problem: &str) -> Error {
    Error::Unsupported { what: format!("environment variable {name}={value:?}: {problem}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn no_rank_means_not_a_worker() {
        assert_eq!(WorkerEnv::from_vars(vars(&[("WORLD_SIZE", "2")])).unwrap(), None);
    }

    #[test]
    fn torchrun_variables_are_read() {
        let env = WorkerEnv::from_vars(vars(&[
            ("RANK", "3"),
            ("LOCAL_RANK", "1"),
            ("WORLD_SIZE", "4"),
            ("LOCAL_WORLD_SIZE", "2"),
            ("MASTER_ADDR", "10.0.0.1"),
            ("MASTER_PORT", "29400"),
            ("TORCHELASTIC_USE_AGENT_STORE", "True"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!((env.rank, env.local_rank, env.world_size, env.local_world_size), (3, 1, 4, 2));
        assert_eq!((env.master_addr.as_str(), env.master_port, env.agent_store), ("10.0.0.1", 29400, true));
        let back = WorkerEnv::from_vars(vars(&env.to_vars().iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()))
            .unwrap()
            .unwrap();
        assert_eq!(back, WorkerEnv { agent_store: false, ..env });
    }

    #[test]
    fn a_rank_outside_the_world_is_refused_by_name() {
        let err = WorkerEnv::from_vars(vars(&[("RANK", "2"), ("WORLD_SIZE", "2")])).unwrap_err();
        assert_eq!(err.to_string(), "environment variable RANK=\"2\": must be below WORLD_SIZE=2");
        let err = WorkerEnv::from_vars(vars(&[("RANK", "x"), ("WORLD_SIZE", "2")])).unwrap_err();
        assert!(err.to_string().starts_with("environment variable RANK=\"x\""), "{err}");
    }

    #[test]
    fn sagemaker_hosts_map_to_ranks() {
        let plan = HostPlan::from_sagemaker(
            vars(&[("SM_HOSTS", r#"["algo-1","algo-2"]"#), ("SM_CURRENT_HOST", "algo-2"), ("SM_NUM_GPUS", "4")]),
            2,
        )
        .unwrap()
        .unwrap();
        assert_eq!((plan.node_rank, plan.nnodes, plan.nproc_per_node, plan.world_size()), (1, 2, 4, 8));
        assert_eq!((plan.master_addr.as_str(), plan.master_port), ("algo-1", DEFAULT_MASTER_PORT));
        let worker = plan.worker(3);
        assert_eq!((worker.rank, worker.local_rank, worker.world_size, worker.local_world_size), (7, 3, 8, 4));
    }

    #[test]
    fn sagemaker_cpu_hosts_use_the_cpu_process_count() {
        let plan = HostPlan::from_sagemaker(
            vars(&[("SM_HOSTS", r#"["a"]"#), ("SM_CURRENT_HOST", "a"), ("SM_NUM_GPUS", "0")]),
            2,
        )
        .unwrap()
        .unwrap();
        assert_eq!(plan.nproc_per_node, 2);
    }

    #[test]
    fn an_unknown_current_host_is_refused() {
        let err =
            HostPlan::from_sagemaker(vars(&[("SM_HOSTS", r#"["a","b"]"#), ("SM_CURRENT_HOST", "c")]), 1).unwrap_err();
        assert!(err.to_string().contains("SM_CURRENT_HOST=\"c\": is not one of SM_HOSTS"), "{err}");
        assert_eq!(HostPlan::from_sagemaker(vars(&[]), 1).unwrap(), None);
    }
}
