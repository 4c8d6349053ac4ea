//! The model object across the plugin boundary, in-process: the host runs forward on tensors it
//! owns, gets gradients on the plugin's parameters, updates them in place (as the trainer's
//! optimiser will), and saves/loads weights. Uses the fixture plugin built by
//! `cargo build --workspace`. One plugin library per process (abi_stable caches the first).

use mlpipe_plugin_api::host::PluginLibrary;
use mlpipe_plugin_api::tch::{Device, Kind, Tensor};
use mlpipe_plugin_api::{Context, Model};
use std::path::PathBuf;

fn fixture() -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let profile = deps.parent().and_then(|d| d.parent()).unwrap();
    let path = profile.join("libmlpipe_plugin_fixture.so");
    assert!(path.is_file(), "{} missing: run `cargo build --workspace` first", path.display());
    path
}

fn batch() -> Vec<Tensor> {
    let ids = Tensor::from_slice(&[5i64, 9, 3, 0, 7, 1, 0, 0]).view([2, 4]);
    let mask = Tensor::from_slice(&[1i64, 1, 1, 0, 1, 1, 0, 0]).view([2, 4]);
    vec![ids, mask]
}

#[test]
fn host_trains_plugin_parameters_and_round_trips_weights() {
    let library = PluginLibrary::load(&fixture()).unwrap();
    let experiment = library.open(&Context { seed: 3, ..Context::default() }).unwrap();
    assert_eq!(experiment.ordered_input_keys("tiny").unwrap(), ["input_ids", "attention_mask"]);
    let mut model = experiment.load_model("tiny", 3, Device::Cpu).unwrap();
    model.set_train(false).unwrap();

    let logits = model.forward(&batch()).unwrap();
    assert_eq!(logits.size(), [2, 3]);

    let params = model.named_parameters().unwrap();
    assert!(!params.is_empty());
    let trainable: Vec<&Tensor> = params.iter().map(|(_, t)| t).filter(|t| t.requires_grad()).collect();
    assert!(!trainable.is_empty(), "the plugin must expose trainable parameters");

    // One SGD step done by the host on the plugin's tensors must change the plugin's output.
    let targets = Tensor::from_slice(&[0i64, 2]);
    let loss = logits.cross_entropy_for_logits(&targets);
    loss.backward();
    mlpipe_plugin_api::tch::no_grad(|| {
        for tensor in &trainable {
            let grad = tensor.grad();
            assert!(grad.defined(), "every trainable parameter gets a gradient");
            let mut tensor = (*tensor).shallow_clone();
            let _ = tensor.f_sub_(&(grad * 1.0)).unwrap();
        }
    });
    let after = model.forward(&batch()).unwrap();
    let after_loss = after.cross_entropy_for_logits(&targets).double_value(&[]);
    assert!(after_loss < loss.double_value(&[]), "a gradient step on the host lowers the plugin's loss");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("weights.safetensors");
    model.save_weights(&path).unwrap();
    let mut fresh = experiment.load_model("tiny", 3, Device::Cpu).unwrap();
    fresh.set_train(false).unwrap();
    fresh.load_weights(&path).unwrap();
    let reloaded = fresh.forward(&batch()).unwrap();
    assert_eq!(f64::try_from((reloaded - &after).abs().max()).unwrap(), 0.0);

    // A wrong input is an error from the plugin, not a crash.
    let bad = vec![Tensor::zeros([2, 4], (Kind::Float, Device::Cpu))];
    let err = model.forward(&bad).unwrap_err();
    assert!(err.message().contains("forward"), "{err}");
}

#[test]
fn many_forward_calls_do_not_leak_tensor_handles() {
    let library = PluginLibrary::load(&fixture()).unwrap();
    let experiment = library.open(&Context::default()).unwrap();
    let model = experiment.load_model("tiny", 3, Device::Cpu).unwrap();
    let rss = || -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    };
    // Fresh inputs every call: a leaked handle would keep its 256 KiB storage alive.
    let inputs = || {
        vec![Tensor::ones([64, 512], (Kind::Int64, Device::Cpu)), Tensor::ones([64, 512], (Kind::Int64, Device::Cpu))]
    };
    for _ in 0..50 {
        let _ = model.forward(&inputs()).unwrap();
    }
    let before = rss();
    for _ in 0..500 {
        let _ = model.forward(&inputs()).unwrap();
    }
    // Leaking the two input handles of each call would grow RSS by 250 MiB over 500 calls.
    // Allow 32 MiB of allocator noise.
    let grown_kib = rss().saturating_sub(before);
    assert!(grown_kib < 32 * 1024, "RSS grew by {grown_kib} KiB over 500 forward calls");
}
