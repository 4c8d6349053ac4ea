//! TorchScript export: traces the trained model into one self-contained file (weights baked in as
//! constants) that inference, in Rust or in Python's `torch.jit.load`, runs without the plugin.
//! A trace records one run of `forward` and freezes whatever Rust control flow that run took, so
//! the traced module is checked against the eager model on every sample batch (other batch sizes
//! and sequence lengths than the traced one) and the export is refused when they differ. The trace
//! names its inputs `argument_1`…: callers keep the ordered input keys beside the file.

use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use mlpipe_plugin_api::tch::{self, CModule, Device, Kind, TchError, Tensor};
use mlpipe_plugin_api::{Model, PluginError};

use crate::storage::TEMP_PREFIX;

/// How close the traced module's logits must be to the eager model's, element by element:
/// `|traced - eager| <= atol + rtol * |eager|` (the rule of `torch.allclose`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// The absolute part, in logit units.
    pub atol: f64,
    /// The part relative to the eager logit's magnitude.
    pub rtol: f64,
}

impl Tolerance {
    /// The export's tolerance. Tracing changes no arithmetic, so only a kernel chosen differently
    /// for another shape may move the last bits; a frozen branch moves far more.
    pub const EXPORT: Tolerance = Tolerance { atol: 1e-5, rtol: 1e-4 };
}

impl fmt::Display for Tolerance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:e} + {:e} * |eager|", self.atol, self.rtol)
    }
}

/// How the traced module compared with the eager model on one sample batch.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportCheck {
    /// The shape of each input of the batch, in input order.
    pub shapes: Vec<Vec<i64>>,
    /// The largest `|traced - eager|` over the logits.
    pub max_abs_diff: f64,
}

/// What a successful export checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// One check per sample batch, in the order given (the first is the traced one).
    pub checks: Vec<ExportCheck>,
    /// The largest difference over all checks.
    pub max_abs_diff: f64,
}

/// Why an export, or a run of an exported module, failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// No sample batch was given; tracing needs one.
    #[error("torchscript export needs at least one sample batch")]
    NoSamples,
    /// The model failed: its forward, its switch to evaluation mode, or listing its parameters.
    #[error("model {what}: {message}")]
    Model {
        /// What failed.
        what: String,
        /// libtorch's or the model's message.
        message: String,
    },
    /// libtorch could not trace the model, or a TorchScript module failed on these inputs.
    #[error("{what} on inputs {shapes:?}: {message}")]
    Trace {
        /// What failed.
        what: &'static str,
        /// The sample inputs' shapes.
        shapes: Vec<Vec<i64>>,
        /// libtorch's or the model's message.
        message: String,
    },
    /// The traced module returns logits of another shape than the eager model.
    #[error("traced module returns logits of shape {traced:?} on inputs {shapes:?} where the model returns {eager:?}: forward depends on the input shape in a way that tracing freezes")]
    OutputShape {
        /// The sample inputs' shapes.
        shapes: Vec<Vec<i64>>,
        /// The traced module's logits shape.
        traced: Vec<i64>,
        /// The eager model's logits shape.
        eager: Vec<i64>,
    },
    /// The traced module's logits differ from the eager model's beyond the tolerance.
    #[error("traced module differs from the model on inputs {shapes:?}: max |traced - eager| = {max_abs_diff:.3e}, allowed {tolerance}: forward probably branches on the input shape or values, which tracing freezes")]
    Mismatch {
        /// The sample inputs' shapes.
        shapes: Vec<Vec<i64>>,
        /// The largest absolute difference found.
        max_abs_diff: f64,
        /// The difference allowed.
        tolerance: Tolerance,
    },
    /// Writing or reading the TorchScript file.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

/// Distinguishes the temporary files of one process; the pid distinguishes processes.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Traces `model` into TorchScript on `samples[0]`, checks the traced module against the eager
/// model on every sample batch, and saves it to `path`.
///
/// The model is switched to evaluation mode (dropout off) and left there: the trait cannot tell
/// the previous mode, so a caller that goes on training calls `set_train(true)` afterwards.
/// Weights are baked into the trace as constants, for which libtorch needs them not to require
/// gradients: `requires_grad` is switched off on the model's parameters while exporting and
/// switched back on afterwards, also when the export fails. The file is written to a temporary
/// name in `path`'s folder (created if missing) and renamed, so `path` holds either its old content
/// or the complete module. Give samples of several batch sizes and sequence lengths, including
/// ones unlike the first: the check only catches frozen control flow that they exercise.
///
/// # Errors
/// [`ExportError::NoSamples`] without samples; [`ExportError::Model`] when the model fails;
/// [`ExportError::Trace`] when libtorch cannot trace it or the traced module fails on a sample;
/// [`ExportError::OutputShape`] or [`ExportError::Mismatch`] when the traced module's logits
/// differ from the model's by more than [`Tolerance::EXPORT`]; [`ExportError::Io`] when saving.
/// Nothing is written to `path` on error.
pub fn export_torchscript(
    model: &mut dyn Model,
    samples: &[Vec<Tensor>],
    path: &Path,
) -> Result<ExportReport, ExportError> {
    let first = samples.first().ok_or(ExportError::NoSamples)?;
    model.set_train(false).map_err(|err| model_error("switching to evaluation mode", &err))?;
    // Declared before the module, so it is dropped (restoring gradients) after the module.
    let _frozen = FrozenParameters::freeze(&*model)?;
    let module = trace(&mut *model, first)?;
    let checks = samples.iter().map(|sample| check(&module, &*model, sample)).collect::<Result<Vec<_>, _>>()?;
    // Saved before gradients come back on: the trace's constants share the parameters' tensors.
    save_atomically(&module, path)?;
    let max_abs_diff = checks.iter().map(|check| check.max_abs_diff).fold(0.0, f64::max);
    Ok(ExportReport { checks, max_abs_diff })
}

/// Runs a saved TorchScript module as inference does: loads it onto the device of the first input
/// and calls `forward` on `inputs` (in `ordered_input_keys` order) without gradients.
///
/// # Errors
/// [`ExportError::Io`] when the file cannot be read or is not a TorchScript module;
/// [`ExportError::Trace`] when the module fails on the inputs.
pub fn run_torchscript(path: &Path, inputs: &[Tensor]) -> Result<Tensor, ExportError> {
    let io_error = |source| ExportError::Io { path: path.to_owned(), source };
    // libtorch's own message for a missing file is long; this one has the right kind.
    fs::metadata(path).map_err(io_error)?;
    let device = inputs.first().map_or(Device::Cpu, Tensor::device);
    let module = CModule::load_on_device(path, device)
        .map_err(|err| io_error(io::Error::other(format!("loading torchscript: {}", torch_message(&err)))))?;
    tch::no_grad(|| module.forward_ts(inputs)).map_err(|err| ExportError::Trace {
        what: "running the torchscript module",
        shapes: shapes_of(inputs),
        message: torch_message(&err),
    })
}

/// Switches `requires_grad` off on a model's parameters and, when dropped, back on for those that
/// had it: libtorch refuses to bake a tensor that requires gradients into a trace.
struct FrozenParameters {
    restore: Vec<(String, Tensor)>,
}

impl FrozenParameters {
    fn freeze(model: &dyn Model) -> Result<Self, ExportError> {
        let named = model.named_parameters().map_err(|err| model_error("listing parameters", &err))?;
        let mut frozen = Self { restore: Vec::new() };
        for (name, tensor) in named.into_iter().filter(|(_, tensor)| tensor.requires_grad()) {
            // The tensors share their state with the model's, so this changes the model's flag.
            tensor.f_set_requires_grad(false).map(drop).map_err(|err| ExportError::Model {
                what: format!("freezing parameter {name}"),
                message: torch_message(&err),
            })?;
            frozen.restore.push((name, tensor));
        }
        Ok(frozen)
    }
}

impl Drop for FrozenParameters {
    fn drop(&mut self) {
        for (name, tensor) in &self.restore {
            // Cannot fail for the leaf tensors whose flag was just switched off; log if it does.
            if let Err(err) = tensor.f_set_requires_grad(true).map(drop) {
                tracing::error!(parameter = %name, "restoring requires_grad after export: {err}");
            }
        }
    }
}

/// Traces one forward of `model` on `sample`.
fn trace(model: &mut dyn Model, sample: &[Tensor]) -> Result<CModule, ExportError> {
    let inputs: Vec<Tensor> = sample.iter().map(Tensor::shallow_clone).collect();
    // libtorch keeps the tracing state per thread and leaves it set when ending a trace fails (an
    // output that does not depend on the inputs, say), which would trace every later operation of
    // the thread; a thread of its own takes such a state with it.
    let outcome = std::thread::scope(|scope| {
        scope
            .spawn(move || {
                let mut forward_error = None;
                let module = CModule::create_by_tracing("MlpipeModel", "forward", &inputs, &mut |inputs| {
                    match model.forward(inputs) {
                        Ok(logits) => vec![logits],
                        // The closure cannot fail: keep the error, and end the trace with no output.
                        Err(err) => {
                            forward_error = Some(err);
                            Vec::new()
                        }
                    }
                });
                (module, forward_error)
            })
            .join()
    });
    let (module, forward_error) = outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    if let Some(err) = forward_error {
        return Err(model_error(&format!("forward while tracing on inputs {:?}", shapes_of(sample)), &err));
    }
    module.map_err(|err| ExportError::Trace {
        what: "tracing the model",
        shapes: shapes_of(sample),
        message: torch_message(&err),
    })
}

/// Compares the traced module with the eager model on one sample batch.
fn check(module: &CModule, model: &dyn Model, sample: &[Tensor]) -> Result<ExportCheck, ExportError> {
    let shapes = shapes_of(sample);
    let eager = tch::no_grad(|| model.forward(sample))
        .map_err(|err| model_error(&format!("forward on inputs {shapes:?}"), &err))?;
    let trace_error = |err: TchError| ExportError::Trace {
        what: "running the traced module",
        shapes: shapes.clone(),
        message: torch_message(&err),
    };
    let traced = tch::no_grad(|| module.forward_ts(sample)).map_err(trace_error)?;
    if traced.size() != eager.size() {
        return Err(ExportError::OutputShape { shapes, traced: traced.size(), eager: eager.size() });
    }
    let tolerance = Tolerance::EXPORT;
    let (max_abs_diff, within) = compare(&traced, &eager, tolerance).map_err(trace_error)?;
    if !within {
        return Err(ExportError::Mismatch { shapes, max_abs_diff, tolerance });
    }
    Ok(ExportCheck { shapes, max_abs_diff })
}

/// The largest `|traced - eager|`, and whether every element is within `tolerance` (a NaN is not).
fn compare(traced: &Tensor, eager: &Tensor, tolerance: Tolerance) -> Result<(f64, bool), TchError> {
    let traced = traced.f_to_kind(Kind::Double)?;
    let eager = eager.f_to_kind(Kind::Double)?;
    let diff = traced.f_sub(&eager)?.f_abs()?;
    if diff.numel() == 0 {
        return Ok((0.0, true));
    }
    let allowed = eager.f_abs()?.f_mul_scalar(tolerance.rtol)?.f_add_scalar(tolerance.atol)?;
    let within = bool::try_from(&diff.f_le_tensor(&allowed)?.f_all()?)?;
    Ok((f64::try_from(&diff.f_max()?)?, within))
}

/// Saves `module` to a temporary file beside `path` and renames it over `path`.
fn save_atomically(module: &CModule, path: &Path) -> Result<(), ExportError> {
    let io_error = |source| ExportError::Io { path: path.to_owned(), source };
    let name = path.file_name().ok_or_else(|| io_error(io::Error::new(io::ErrorKind::InvalidInput, "no file name")))?;
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!("{TEMP_PREFIX}{}-{n}-{}", std::process::id(), name.to_string_lossy()));
    let written = fs::create_dir_all(dir)
        .and_then(|()| module.save(&temp).map_err(|err| io::Error::other(torch_message(&err))))
        .and_then(|()| fs::File::open(&temp)?.sync_all())
        .and_then(|()| fs::rename(&temp, path));
    if written.is_err() {
        // Best effort: a leftover `.tmp-` file is skipped by storage listings anyway.
        let _ = fs::remove_file(&temp);
    }
    written.map_err(io_error)
}

fn shapes_of(inputs: &[Tensor]) -> Vec<Vec<i64>> {
    inputs.iter().map(Tensor::size).collect()
}

fn model_error(what: &str, err: &PluginError) -> ExportError {
    ExportError::Model { what: what.to_owned(), message: err.to_string() }
}

/// A libtorch error on one line: without its variant's prefix, without the C++ backtrace that follows "Exception raised from",
/// and shortened in the middle when long (some messages print a whole tensor; TorchScript puts the
/// cause at the end).
fn torch_message(err: &TchError) -> String {
    const HEAD: usize = 600;
    const TAIL: usize = 300;
    // The message itself: the variant's "Internal torch error" prefix says nothing to a user.
    let text = match err {
        TchError::Torch(text) => text.clone(),
        other => other.to_string(),
    };
    let text = text.split("Exception raised from").next().unwrap_or_default();
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    let chars: Vec<char> = line.chars().collect();
    if chars.len() <= HEAD + TAIL {
        return line;
    }
    let head: String = chars[..HEAD].iter().collect();
    let tail: String = chars[chars.len() - TAIL..].iter().collect();
    format!("{head} … {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The public behaviour (refusals, restored gradients, atomic saves) is tested end to end in
    // `core/tests/export_pytorch.rs`.

    #[test]
    fn compare_allows_the_tolerance_and_nothing_more() {
        let eager = Tensor::from_slice(&[0.0f64, 100.0]);
        let within = compare(&Tensor::from_slice(&[0.9e-5f64, 100.009]), &eager, Tolerance::EXPORT).unwrap();
        assert!(within.1 && (within.0 - 0.009).abs() < 1e-9, "{within:?}");
        assert!(!compare(&Tensor::from_slice(&[0.0f64, 100.011]), &eager, Tolerance::EXPORT).unwrap().1);
        assert!(!compare(&Tensor::from_slice(&[f64::NAN, 100.0]), &eager, Tolerance::EXPORT).unwrap().1);
    }

    #[test]
    fn torch_messages_are_one_line_without_backtrace_and_shortened_in_the_middle() {
        let err = TchError::Torch(format!("bad\n  input{} end\nException raised from f at a.cpp:1", " x".repeat(1000)));
        let message = torch_message(&err);
        assert!(message.starts_with("bad input x x") && message.ends_with("x x end"), "{message}");
        assert!(message.contains(" … ") && message.chars().count() == 903, "{message}");
        assert_eq!(torch_message(&TchError::Torch("short\nException raised from".into())), "short");
    }

    #[test]
    fn the_tolerance_reads_as_a_formula() {
        assert_eq!(Tolerance::EXPORT.to_string(), "1e-5 + 1e-4 * |eager|");
    }
}
