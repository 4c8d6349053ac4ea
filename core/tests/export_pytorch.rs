//! Checks the TorchScript export end to end, against PyTorch itself: a small seeded embedding-bag
//! classifier (embedding over `[input_ids, attention_mask]`, masked mean, linear) built in process
//! with `VarStoreModel` is exported with samples of shapes [2, 5], [3, 9] and [1, 1]; the project's
//! Python (`.venv`, set up by `scripts/setup.sh`) loads the file with `torch.jit.load` and computes
//! logits on batches of shapes [4, 7] and [2, 3], unseen while tracing, which must equal the Rust
//! eager model's within 1e-5. Forwards that branch on the sequence length, fail, or return a value
//! unrelated to the inputs must be refused with errors naming the inputs, nothing may be written
//! then, and the parameters must require gradients again after every export.

mod common;

use common::python;

use std::io;
use std::path::Path;
use std::process::Command;

use mlpipe_core::train::export::{export_torchscript, run_torchscript, ExportError, Tolerance};
use mlpipe_plugin_api::tch::nn::{self, Module, VarStore};
use mlpipe_plugin_api::tch::{self, Device, Kind, TchError, Tensor};
use mlpipe_plugin_api::{Model, VarStoreModel};
use serde_json::{json, Value};

const VOCAB: i64 = 50;
const DIM: i64 = 8;
const LABELS: i64 = 3;

/// Largest difference allowed between PyTorch's logits and the Rust eager model's.
const PYTORCH_TOLERANCE: f64 = 1e-5;

/// Loads the module at argv[1], runs it on each batch of the JSON file argv[2], prints the logits.
const TORCH_SCRIPT: &str = r#"
import json, sys, torch
module = torch.jit.load(sys.argv[1])
module.eval()
logits = []
with torch.no_grad():
    for batch in json.load(open(sys.argv[2])):
        ids = torch.tensor(batch["input_ids"], dtype=torch.int64)
        mask = torch.tensor(batch["attention_mask"], dtype=torch.int64)
        logits.append(module(ids, mask).tolist())
print(json.dumps(logits))
"#;

type Forward = Box<dyn Fn(&[Tensor], bool) -> Result<Tensor, TchError> + Send>;

/// The classifier's layers, seeded, with a forward built from them by `make`.
fn model(make: impl FnOnce(nn::Embedding, nn::Linear) -> Forward) -> VarStoreModel<Forward> {
    tch::manual_seed(42);
    let vs = VarStore::new(Device::Cpu);
    let embedding = nn::embedding(vs.root() / "embedding", VOCAB, DIM, Default::default());
    let classifier = nn::linear(vs.root() / "classifier", DIM, LABELS, Default::default());
    VarStoreModel::new(vs, make(embedding, classifier))
}

/// The embedding-bag classifier; with `branch_on_length`, sequences longer than 4 get doubled
/// logits: Rust control flow that a trace freezes.
fn embedding_bag(branch_on_length: bool) -> VarStoreModel<Forward> {
    model(|embedding, classifier| {
        Box::new(move |inputs, _train| {
            let mask = inputs[1].f_to_kind(Kind::Float)?.f_unsqueeze(-1)?;
            let summed = embedding.forward(&inputs[0]).f_mul(&mask)?.f_sum_dim_intlist(1, false, Kind::Float)?;
            let count = mask.f_sum_dim_intlist(1, false, Kind::Float)?.f_clamp_min(1.0)?;
            let logits = summed.f_div(&count)?.apply(&classifier);
            if branch_on_length && inputs[0].size()[1] > 4 {
                logits.f_mul_scalar(2.0)
            } else {
                Ok(logits)
            }
        })
    })
}

/// A batch `[input_ids, attention_mask]` of shape `[rows, len]`; each row has a random length in
/// 1..=len, padded with id 0 and mask 0.
fn batch(rows: i64, len: i64) -> Vec<Tensor> {
    let options = (Kind::Int64, Device::Cpu);
    let lengths = Tensor::randint_low(1, len + 1, [rows, 1], options);
    let mask = Tensor::arange(len, options).unsqueeze(0).lt_tensor(&lengths).to_kind(Kind::Int64);
    let ids = Tensor::randint_low(1, VOCAB, [rows, len], options) * &mask;
    vec![ids, mask]
}

fn samples() -> Vec<Vec<Tensor>> {
    tch::manual_seed(1);
    vec![batch(2, 5), batch(3, 9), batch(1, 1)]
}

/// PyTorch's logits for each batch, from the module at `module`.
fn pytorch_logits(module: &Path, batches: &[Vec<Tensor>]) -> Vec<Vec<Vec<f64>>> {
    let dir = tempfile::tempdir().unwrap();
    let (script, input) = (dir.path().join("run.py"), dir.path().join("batches.json"));
    let batches: Vec<Value> = batches
        .iter()
        .map(|b| {
            let rows = |t: &Tensor| Vec::<Vec<i64>>::try_from(t).unwrap();
            json!({"input_ids": rows(&b[0]), "attention_mask": rows(&b[1])})
        })
        .collect();
    std::fs::write(&script, TORCH_SCRIPT).unwrap();
    std::fs::write(&input, serde_json::to_vec(&batches).unwrap()).unwrap();
    let run = Command::new(python()).arg(&script).arg(module).arg(&input).output().unwrap();
    assert!(run.status.success(), "python failed: {}", String::from_utf8_lossy(&run.stderr));
    serde_json::from_slice(&run.stdout).unwrap()
}

fn max_abs_diff(theirs: &[Vec<f64>], ours: &Tensor) -> f64 {
    let ours = Vec::<Vec<f32>>::try_from(ours).unwrap();
    assert_eq!((theirs.len(), theirs[0].len()), (ours.len(), ours[0].len()), "logit shapes differ");
    theirs.iter().flatten().zip(ours.iter().flatten()).map(|(a, b)| (a - f64::from(*b)).abs()).fold(0.0, f64::max)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    names
}

fn all_require_grad(model: &dyn Model) -> bool {
    model.named_parameters().unwrap().iter().all(|(_, tensor)| tensor.requires_grad())
}

#[test]
fn pytorch_loads_the_export_and_matches_the_eager_model_on_unseen_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.pt");
    let mut model = embedding_bag(false);
    let report = export_torchscript(&mut model, &samples(), &path).unwrap();
    let shapes: Vec<_> = report.checks.iter().map(|check| check.shapes.clone()).collect();
    assert_eq!(shapes, [vec![vec![2, 5]; 2], vec![vec![3, 9]; 2], vec![vec![1, 1]; 2]]);
    assert!(report.max_abs_diff <= Tolerance::EXPORT.atol, "{report:?}");

    tch::manual_seed(2);
    let unseen = [batch(4, 7), batch(2, 3)];
    let theirs = pytorch_logits(&path, &unseen);
    for (batch, theirs) in unseen.iter().zip(&theirs) {
        let eager = tch::no_grad(|| model.forward(batch)).unwrap();
        let diff = max_abs_diff(theirs, &eager);
        assert!(diff <= PYTORCH_TOLERANCE, "pytorch differs by {diff} on {:?}", batch[0].size());
        let rust_script = run_torchscript(&path, batch).unwrap();
        assert!(rust_script.allclose(&eager, 0.0, PYTORCH_TOLERANCE, false), "run_torchscript differs");
    }
}

#[test]
fn a_forward_branching_on_the_sequence_length_is_refused_naming_the_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.pt");
    let mut model = embedding_bag(true);
    // Traced on length 5 (doubled); [3, 9] takes the same branch, [1, 1] the other.
    let err = export_torchscript(&mut model, &samples(), &path).unwrap_err();
    match &err {
        ExportError::Mismatch { shapes, max_abs_diff, tolerance } => {
            assert_eq!(shapes, &[vec![1, 1], vec![1, 1]]);
            assert!(*max_abs_diff > tolerance.atol, "{err}");
        }
        other => panic!("expected a mismatch, got {other}"),
    }
    assert!(err.to_string().starts_with("traced module differs from the model on inputs [[1, 1], [1, 1]]"), "{err}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new(), "nothing is written on a refused export");
}

#[test]
fn an_output_shape_that_depends_on_the_sequence_length_is_refused() {
    let mut model = model(|_, _| {
        Box::new(|inputs, _| {
            let ids = inputs[0].f_to_kind(Kind::Float)?;
            if inputs[0].size()[1] > 4 {
                ids.f_repeat([1, 2])
            } else {
                Ok(ids)
            }
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let err = export_torchscript(&mut model, &samples(), &dir.path().join("model.pt")).unwrap_err();
    assert!(matches!(err, ExportError::OutputShape { .. }), "{err}");
    let expected =
        "traced module returns logits of shape [1, 2] on inputs [[1, 1], [1, 1]] where the model returns [1, 1]";
    assert!(err.to_string().starts_with(expected), "{err}");
}

#[test]
fn a_failing_forward_is_reported_with_its_message() {
    let mut model = model(|_, _| Box::new(|_, _| Err(TchError::Convert("no such input".into()))));
    let dir = tempfile::tempdir().unwrap();
    let err = export_torchscript(&mut model, &samples(), &dir.path().join("model.pt")).unwrap_err();
    let expected = "model forward while tracing on inputs [[2, 5], [2, 5]]: conversion error: no such input";
    assert_eq!(err.to_string(), expected);
    assert!(all_require_grad(&model));
}

#[test]
fn an_output_unrelated_to_the_inputs_fails_the_trace_and_later_traces_still_work() {
    let mut constant = model(|_, classifier| Box::new(move |_, _| Ok(classifier.ws.shallow_clone())));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.pt");
    let err = export_torchscript(&mut constant, &samples(), &path).unwrap_err();
    assert!(matches!(&err, ExportError::Trace { what: "tracing the model", .. }), "{err}");
    assert!(err.to_string().contains("did not have observable data dependence with trace inputs"), "{err}");
    // libtorch left its tracing state set on the tracing thread, not on this one.
    export_torchscript(&mut embedding_bag(false), &samples(), &path).unwrap();
}

#[test]
fn no_samples_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = export_torchscript(&mut embedding_bag(false), &[], &dir.path().join("model.pt")).unwrap_err();
    assert!(matches!(err, ExportError::NoSamples), "{err}");
}

#[test]
fn exporting_again_replaces_the_file_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new/folder/model.pt");
    let mut model = embedding_bag(false);
    export_torchscript(&mut model, &samples(), &path).unwrap();
    // Weights change between exports, as between checkpoints.
    tch::no_grad(|| model.named_parameters().unwrap().iter().for_each(|(_, t)| drop(t.shallow_clone().fill_(0.5))));
    export_torchscript(&mut model, &samples(), &path).unwrap();
    assert_eq!(files_in(path.parent().unwrap()), ["model.pt"]);
    let inputs = batch(2, 4);
    let reloaded = run_torchscript(&path, &inputs).unwrap();
    assert!(reloaded.allclose(&model.forward(&inputs).unwrap(), 0.0, 0.0, false));
}

#[test]
fn running_a_missing_module_is_a_not_found_io_error() {
    let err = run_torchscript(Path::new("/nonexistent/model.pt"), &batch(1, 1)).unwrap_err();
    assert!(matches!(&err, ExportError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound), "{err}");
}

#[test]
fn parameters_require_grad_again_after_export_whether_it_succeeds_or_not() {
    let dir = tempfile::tempdir().unwrap();
    for branch_on_length in [false, true] {
        let mut model = embedding_bag(branch_on_length);
        assert!(all_require_grad(&model));
        let exported = export_torchscript(&mut model, &samples(), &dir.path().join("model.pt"));
        assert_eq!(exported.is_ok(), !branch_on_length);
        assert!(all_require_grad(&model), "branch_on_length = {branch_on_length}");
        // And they still train: a backward pass reaches them.
        model.set_train(true).unwrap();
        model.forward(&samples()[0]).unwrap().sum(Kind::Float).backward();
        assert!(model.named_parameters().unwrap().iter().all(|(_, tensor)| tensor.grad().defined()));
    }
}
