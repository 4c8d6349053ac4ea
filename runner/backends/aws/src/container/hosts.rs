//! The `SM_HOSTS`, `SM_CURRENT_HOST` and `SM_NUM_GPUS` variables that
//! [`HostPlan::from_sagemaker`](mlpipe_core::distributed::HostPlan::from_sagemaker) reads. SageMaker's own
//! toolkit derives them from `resourceconfig.json`; our image has no toolkit, so the container
//! contract derives them here, before training starts.

use super::{ResourceConfig, TrainingContract};

/// The variables describing `resources` with `gpus` GPUs on each host.
pub fn sagemaker_host_vars(resources: &ResourceConfig, gpus: usize) -> Vec<(&'static str, String)> {
    vec![
        ("SM_HOSTS", serde_json::Value::from(resources.hosts.clone()).to_string()),
        ("SM_CURRENT_HOST", resources.current_host.clone()),
        ("SM_NUM_GPUS", gpus.to_string()),
    ]
}

/// Sets each of [`sagemaker_host_vars`] that the environment does not already have (so a value set
/// by hand or by a real toolkit wins), counting GPUs with libtorch; returns the ones it set.
///
/// Call it early, before threads start: it changes the process environment, which other threads
/// may be reading.
pub fn export_sagemaker_hosts(contract: &TrainingContract) -> Vec<(&'static str, String)> {
    let gpus = usize::try_from(tch::Cuda::device_count()).unwrap_or(0);
    let mut set = Vec::new();
    for (name, value) in sagemaker_host_vars(&contract.resources, gpus) {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, &value);
            set.push((name, value));
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_core::distributed::HostPlan;

    #[test]
    fn the_variables_describe_the_hosts_as_host_plan_reads_them() {
        let resources = ResourceConfig { current_host: "algo-2".into(), hosts: vec!["algo-1".into(), "algo-2".into()] };
        let vars = sagemaker_host_vars(&resources, 4);
        assert_eq!(vars[0], ("SM_HOSTS", r#"["algo-1","algo-2"]"#.to_string()));
        let plan = HostPlan::from_sagemaker(
            |name| vars.iter().find(|(key, _)| *key == name).map(|(_, value)| value.clone()),
            2,
        )
        .unwrap()
        .unwrap();
        assert_eq!((plan.node_rank, plan.nnodes, plan.nproc_per_node), (1, 2, 4));
        assert_eq!(plan.master_addr, "algo-1");
    }
}
