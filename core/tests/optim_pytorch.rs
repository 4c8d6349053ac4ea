//! Cross-checks `mlpipe_core::train::optim::AdamW` and `train::schedule::LinearSchedule` against
//! PyTorch itself: a few parameters (a weight matrix, a bias, a norm weight, one that never gets a
//! gradient) are trained for five steps with fixed gradients, gradient clipping at norm 1 and a
//! warm-up/decay learning rate, here and in the project's Python (`.venv`, torch 2.11) with
//! `torch.optim.AdamW(foreach=False)` over two parameter groups (decay / no decay),
//! `torch.nn.utils.clip_grad_norm_` and a `LambdaLR` with transformers' linear-warm-up factor. After
//! every step all parameters and moment estimates must be the same float32 bits. A second test checks that
//! a checkpointed state restored into a fresh optimiser continues bit for bit like the original.

mod common;

use common::python;

use std::process::Command;

use mlpipe_core::train::optim::{AdamW, AdamWConfig};
use mlpipe_core::train::schedule::LinearSchedule;
use mlpipe_plugin_api::tch::{Device, Kind, Tensor};
use serde_json::{json, Value};

const STEPS: u64 = 5;
const PEAK_LR: f64 = 0.05;
/// ceil(0.4 × 5) = 2 warm-up steps: rates 0, 0.025, 0.05, 0.05 × 2/3, 0.05 × 1/3.
const WARMUP_RATIO: f64 = 0.4;
const WEIGHT_DECAY: f64 = 0.01;
const MAX_NORM: f64 = 1.0;
/// Gradient magnitude per step: steps 1, 3 and 4 exceed `MAX_NORM` and get clipped, 0 and 2 do not.
const GRAD_SCALE: [f64; STEPS as usize] = [0.2, 3.0, 0.05, 1.5, 0.4];

/// Trains the parameters in argv[1] as the Rust side does and writes every step's state to argv[2].
const PYTORCH_SCRIPT: &str = r#"
import json, sys, torch

spec = json.load(open(sys.argv[1]))
params = {p["name"]: torch.tensor(p["values"], dtype=torch.float32).reshape(p["shape"]).requires_grad_()
          for p in spec["params"]}
ordered = [params[p["name"]] for p in spec["params"]]
groups = [
    {"params": [params[p["name"]] for p in spec["params"] if p["decay"]], "weight_decay": spec["weight_decay"]},
    {"params": [params[p["name"]] for p in spec["params"] if not p["decay"]], "weight_decay": 0.0},
]
opt = torch.optim.AdamW(groups, lr=spec["peak_lr"], betas=(0.9, 0.999), eps=1e-8, foreach=False)
warmup, total = spec["warmup_steps"], spec["total_steps"]

def lr_lambda(current_step):
    # transformers.optimization._get_linear_schedule_with_warmup_lr_lambda
    if current_step < warmup:
        return float(current_step) / float(max(1, warmup))
    return max(0.0, float(total - current_step) / float(max(1, total - warmup)))

sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
records = []
for step in spec["steps"]:
    for name, grad in step["grads"].items():
        params[name].grad = torch.tensor(grad, dtype=torch.float32).reshape(params[name].shape)
    lr = opt.param_groups[0]["lr"]
    total_norm = torch.nn.utils.clip_grad_norm_(ordered, spec["max_norm"])
    opt.step()
    sched.step()
    opt.zero_grad()
    state = lambda key: {n: opt.state[p][key].flatten().tolist() for n, p in params.items() if p in opt.state}
    records.append({
        "lr": lr,
        "total_norm": total_norm.item(),
        "params": {n: p.detach().flatten().tolist() for n, p in params.items()},
        "exp_avg": state("exp_avg"),
        "exp_avg_sq": state("exp_avg_sq"),
    })
json.dump({"records": records}, open(sys.argv[2], "w"))
"#;

/// A parameter of the fixture: name, shape, whether it gets weight decay, whether it gets gradients.
struct Spec {
    name: &'static str,
    shape: &'static [i64],
    decay: bool,
    has_grad: bool,
}

const SPECS: [Spec; 4] = [
    Spec { name: "layer.weight", shape: &[4, 3], decay: true, has_grad: true },
    Spec { name: "layer.bias", shape: &[4], decay: false, has_grad: true },
    Spec { name: "norm.weight", shape: &[4], decay: false, has_grad: true },
    Spec { name: "unused.weight", shape: &[2, 2], decay: true, has_grad: false },
];

fn numel(shape: &[i64]) -> usize {
    shape.iter().product::<i64>() as usize
}

/// Initial values of parameter `k`: 0.5·cos(0.9·i + k) + 0.1·k, distinct and non-zero.
fn initial(k: usize) -> Vec<f32> {
    (0..numel(SPECS[k].shape)).map(|i| (0.5 * (0.9 * i as f64 + k as f64).cos() + 0.1 * k as f64) as f32).collect()
}

/// Gradient of parameter `k` at step `t`: GRAD_SCALE[t]·sin(1.3·i + 0.7·t + 0.5·k).
fn gradient(k: usize, t: u64) -> Vec<f32> {
    let scale = GRAD_SCALE[t as usize];
    (0..numel(SPECS[k].shape))
        .map(|i| (scale * (1.3 * i as f64 + 0.7 * t as f64 + 0.5 * k as f64).sin()) as f32)
        .collect()
}

/// f32 values widened to f64, so JSON carries them exactly (no decimal → f64 → f32 double rounding).
fn exact(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| f64::from(v)).collect()
}

/// The fixture's parameters, plus a frozen tensor that the optimiser must drop.
fn parameters() -> Vec<(String, Tensor)> {
    let mut named: Vec<(String, Tensor)> = SPECS
        .iter()
        .enumerate()
        .map(|(k, s)| (s.name.to_string(), Tensor::from_slice(&initial(k)).reshape(s.shape).set_requires_grad(true)))
        .collect();
    named.push(("frozen.weight".into(), Tensor::ones([3, 3], (Kind::Float, Device::Cpu))));
    named
}

fn optimiser(named: &[(String, Tensor)]) -> AdamW {
    let config = AdamWConfig { weight_decay: WEIGHT_DECAY, ..AdamWConfig::default() };
    AdamW::new(named.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect(), config)
}

/// One training step as the host runs it: backward, clip, update, zero. Returns (lr, norm).
fn train_step(opt: &mut AdamW, named: &[(String, Tensor)], schedule: &LinearSchedule, t: u64) -> (f64, f64) {
    // d/dp of Σ sum(p·g) is exactly g.
    let loss = SPECS
        .iter()
        .enumerate()
        .filter(|(_, s)| s.has_grad)
        .map(|(k, s)| (&named[k].1 * Tensor::from_slice(&gradient(k, t)).reshape(s.shape)).sum(Kind::Float))
        .reduce(|a, b| a + b)
        .unwrap();
    loss.backward();
    let lr = schedule.lr_at(t);
    let norm = opt.clip_grad_norm(MAX_NORM);
    opt.step(lr).unwrap();
    opt.zero_grad();
    (lr, norm)
}

fn values(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap()
}

/// PyTorch's record of every step, for the fixture and `schedule`.
fn pytorch_records(schedule: &LinearSchedule) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let (script, input, output) =
        (dir.path().join("adamw.py"), dir.path().join("in.json"), dir.path().join("out.json"));
    std::fs::write(&script, PYTORCH_SCRIPT).unwrap();
    let params: Vec<Value> = SPECS
        .iter()
        .enumerate()
        .map(|(k, s)| json!({"name": s.name, "shape": s.shape, "decay": s.decay, "values": exact(&initial(k))}))
        .collect();
    let steps: Vec<Value> = (0..STEPS)
        .map(|t| {
            let grads: serde_json::Map<String, Value> = SPECS
                .iter()
                .enumerate()
                .filter(|(_, s)| s.has_grad)
                .map(|(k, s)| (s.name.to_string(), json!(exact(&gradient(k, t)))))
                .collect();
            json!({ "grads": grads })
        })
        .collect();
    let spec = json!({
        "params": params, "steps": steps, "peak_lr": schedule.peak_lr, "warmup_steps": schedule.warmup_steps,
        "total_steps": schedule.total_steps, "weight_decay": WEIGHT_DECAY, "max_norm": MAX_NORM,
    });
    std::fs::write(&input, serde_json::to_vec(&spec).unwrap()).unwrap();
    let run = Command::new(python()).arg(&script).arg(&input).arg(&output).output().unwrap();
    assert!(run.status.success(), "pytorch check failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let out: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    out["records"].as_array().unwrap().clone()
}

/// The first value where `ours` and PyTorch's list `theirs` differ as float32 bits, if any:
/// `(index, ours, theirs)`. Bits, not a tolerance: second moments here are about 2e-4, so an
/// absolute 1e-6 would let a mutation such as moving ε inside the square root pass.
fn first_difference(what: &str, ours: &Tensor, theirs: &Value) -> Option<(usize, f32, f32)> {
    let theirs: Vec<f64> = serde_json::from_value(theirs.clone()).unwrap_or_else(|_| panic!("pytorch gave no {what}"));
    // PyTorch's values are float32; rounding back to f32 undoes serde_json's last-bit f64 parsing error.
    let theirs: Vec<f32> = theirs.iter().map(|&v| v as f32).collect();
    let ours: Vec<f32> = values(ours).iter().map(|&v| v as f32).collect();
    assert_eq!(ours.len(), theirs.len(), "{what}: length");
    (0..ours.len()).find(|&i| ours[i].to_bits() != theirs[i].to_bits()).map(|i| (i, ours[i], theirs[i]))
}

#[test]
fn adamw_with_clipping_and_schedule_matches_pytorch() {
    let schedule = LinearSchedule::new(PEAK_LR, WARMUP_RATIO, STEPS);
    assert_eq!(schedule.warmup_steps, 2);
    let records = pytorch_records(&schedule);
    assert_eq!(records.len(), STEPS as usize);

    let named = parameters();
    let mut opt = optimiser(&named);
    // layer.weight and unused.weight decay; layer.bias and norm.weight do not; frozen.weight is dropped.
    assert_eq!(opt.num_decayed(), (2, 2));
    let mut clipped = 0;
    for (t, theirs) in (0..STEPS).zip(&records) {
        let (lr, norm) = train_step(&mut opt, &named, &schedule, t);
        assert_eq!(Some(lr), theirs["lr"].as_f64(), "step {t}: learning rate");
        let their_norm = theirs["total_norm"].as_f64().unwrap();
        assert_eq!(
            (norm as f32).to_bits(),
            (their_norm as f32).to_bits(),
            "step {t}: norm ours {norm}, pytorch {their_norm}"
        );
        clipped += usize::from(norm > MAX_NORM);

        for (name, param) in &named[..SPECS.len()] {
            let diff = first_difference(name, param, &theirs["params"][name]);
            assert_eq!(diff, None, "step {t}: {name} (index, ours, pytorch) differs from pytorch");
        }
        let (state, steps) = opt.state();
        assert_eq!(steps, t + 1);
        for (key, tensor) in &state {
            let (kind, name) = key.split_once('.').unwrap();
            let theirs = &theirs[kind][name];
            if theirs.is_null() {
                // PyTorch creates no state for a parameter that never had a gradient; ours stays zero.
                assert_eq!(values(tensor).iter().map(|v| v.abs()).fold(0.0, f64::max), 0.0, "step {t}: {key}");
                continue;
            }
            let diff = first_difference(key, tensor, theirs);
            assert_eq!(diff, None, "step {t}: {key} (index, ours, pytorch) differs from pytorch");
        }
    }
    assert_eq!(clipped, 3, "the fixture should clip on steps 1, 3 and 4");
}

#[test]
fn restored_state_continues_exactly_like_an_uninterrupted_run() {
    let schedule = LinearSchedule::new(PEAK_LR, WARMUP_RATIO, STEPS);
    let uninterrupted = parameters();
    let mut opt = optimiser(&uninterrupted);
    for t in 0..STEPS {
        train_step(&mut opt, &uninterrupted, &schedule, t);
    }

    // Interrupted after 3 steps: parameters and optimiser state go through a "checkpoint" (deep
    // copies) into freshly built tensors and a fresh optimiser, which runs the remaining steps.
    let first = parameters();
    let mut first_opt = optimiser(&first);
    for t in 0..3 {
        train_step(&mut first_opt, &first, &schedule, t);
    }
    let (state, steps) = first_opt.state();
    let saved: Vec<(String, Tensor)> = state.iter().map(|(n, t)| (n.clone(), t.copy())).collect();
    let resumed: Vec<(String, Tensor)> =
        first.iter().map(|(n, t)| (n.clone(), t.detach().copy().set_requires_grad(t.requires_grad()))).collect();
    drop((first_opt, first, state));
    let mut resumed_opt = optimiser(&resumed);
    resumed_opt.load_state(&saved, steps).unwrap();
    assert_eq!(resumed_opt.steps_taken(), 3);
    for t in 3..STEPS {
        train_step(&mut resumed_opt, &resumed, &schedule, t);
    }

    for ((name, a), (_, b)) in uninterrupted.iter().zip(&resumed) {
        assert!(a.equal(b), "{name} differs after resuming");
    }
    let ((a_state, a_steps), (b_state, b_steps)) = (opt.state(), resumed_opt.state());
    assert_eq!(a_steps, b_steps);
    for ((key, a), (_, b)) in a_state.iter().zip(&b_state) {
        assert!(a.equal(b), "{key} differs after resuming");
    }
}
