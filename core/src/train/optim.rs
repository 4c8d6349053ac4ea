//! The host's optimiser: AdamW over the parameters a plugin's model hands over, computed with the
//! same operations in the same order as PyTorch's `torch.optim.AdamW` (single-tensor path,
//! `foreach=False`), plus global-norm gradient clipping as `torch.nn.utils.clip_grad_norm_` does it,
//! so a run here matches the reference Python training loop to float rounding
//! (`tests/optim_pytorch.rs` checks it against PyTorch itself).
//!
//! Parameters arrive as shallow copies sharing storage with the model's own tensors, so updating them
//! in place trains the model. Biases and normalisation weights get no weight decay (see
//! [`AdamW::new`]), the convention of the Hugging Face examples.

use std::collections::HashMap;

use mlpipe_plugin_api::tch::{self, TchError, Tensor};

/// AdamW hyper-parameters other than the learning rate, which the schedule supplies per step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWConfig {
    /// Decoupled weight decay λ: each update first scales a decayed parameter by `1 − lr × λ`.
    pub weight_decay: f64,
    /// Decay rate of the running mean of gradients.
    pub beta1: f64,
    /// Decay rate of the running mean of squared gradients.
    pub beta2: f64,
    /// Added to the denominator for numerical stability.
    pub eps: f64,
}

impl Default for AdamWConfig {
    /// PyTorch's betas (0.9, 0.999) and eps 1e-8, with transformers' `TrainingArguments` default of
    /// no weight decay.
    fn default() -> Self {
        Self { weight_decay: 0.0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }
}

/// One trainable parameter and its moment estimates.
#[derive(Debug)]
struct Slot {
    name: String,
    param: Tensor,
    exp_avg: Tensor,
    exp_avg_sq: Tensor,
    decay: bool,
}

/// AdamW over named parameters, updating them in place.
///
/// Differences from `torch.optim.AdamW`, both invisible when every trainable parameter receives a
/// gradient at every step (the usual fine-tuning case):
/// - one step count serves all parameters for bias correction, where PyTorch counts per parameter
///   (they differ only for a parameter whose first gradient arrives after the first step);
/// - [`AdamW::zero_grad`] zeroes gradients rather than dropping them (tch cannot set a gradient to
///   none), like PyTorch's `zero_grad(set_to_none=False)`.
#[derive(Debug)]
pub struct AdamW {
    slots: Vec<Slot>,
    config: AdamWConfig,
    steps: u64,
}

/// Whether a parameter gets weight decay: not for biases (name ending in `bias`), normalisation
/// weights (name containing `norm`, which covers `LayerNorm`, `layer_norm`, `norm1`…) or any tensor
/// of fewer than 2 dimensions; names are compared case-insensitively.
fn uses_weight_decay(name: &str, tensor: &Tensor) -> bool {
    let lower = name.to_ascii_lowercase();
    !(lower.ends_with("bias") || lower.contains("norm") || tensor.dim() < 2)
}

/// The checkpoint names of a parameter's two moment tensors.
fn state_names(param: &str) -> [String; 2] {
    [format!("exp_avg.{param}"), format!("exp_avg_sq.{param}")]
}

impl AdamW {
    /// An optimiser over the tensors of `named` that require grad; the others (frozen weights,
    /// buffers) are dropped. Moment estimates start at zero, allocated now beside each parameter.
    ///
    /// Weight decay applies to every kept parameter except biases and normalisation weights: a name
    /// ending in `bias`, a name containing `norm` (so `LayerNorm`, `layer_norm`), compared
    /// case-insensitively, or a tensor with fewer than 2 dimensions.
    ///
    /// # Panics
    /// If libtorch cannot allocate the moment tensors.
    pub fn new(named: Vec<(String, Tensor)>, config: AdamWConfig) -> Self {
        let slots = named
            .into_iter()
            .filter(|(_, param)| param.requires_grad())
            .map(|(name, param)| {
                let decay = uses_weight_decay(&name, &param);
                let exp_avg = param.zeros_like();
                let exp_avg_sq = param.zeros_like();
                Slot { name, param, exp_avg, exp_avg_sq, decay }
            })
            .collect();
        Self { slots, config, steps: 0 }
    }

    /// The trained parameters, in order (shallow: they share storage with the model's own).
    pub fn params(&self) -> Vec<Tensor> {
        self.slots.iter().map(|slot| slot.param.shallow_clone()).collect()
    }

    /// The gradients of the trained parameters that have one, in parameter order, sharing
    /// storage with them: what data-parallel replicas sum in place before a step.
    pub fn grads(&self) -> Vec<Tensor> {
        self.slots.iter().map(|slot| slot.param.grad()).filter(Tensor::defined).collect()
    }

    /// Zeroes every parameter's gradient (those that have one) before the next backward pass.
    pub fn zero_grad(&mut self) {
        for slot in &mut self.slots {
            slot.param.zero_grad();
        }
    }

    /// Scales the gradients so that their global L2 norm is at most `max_norm`, as
    /// `torch.nn.utils.clip_grad_norm_` does: every gradient is multiplied by
    /// `min(max_norm / (total + 1e-6), 1)`. Returns the total norm before clipping (0 when no
    /// parameter has a gradient). With `max_norm <= 0` nothing is clipped; the norm is still returned.
    ///
    /// # Panics
    /// If libtorch fails on the norms, which needs gradients on several devices.
    pub fn clip_grad_norm(&mut self, max_norm: f64) -> f64 {
        let mut grads: Vec<Tensor> = self.slots.iter().map(|s| s.param.grad()).filter(Tensor::defined).collect();
        if grads.is_empty() {
            return 0.0;
        }
        tch::no_grad(|| {
            // Same reductions as PyTorch: one norm per gradient, then the norm of the stacked norms.
            let norms: Vec<Tensor> = grads.iter().map(Tensor::norm).collect();
            let total = Tensor::stack(&norms, 0).norm();
            if max_norm > 0.0 {
                // `max_norm / (total + 1e-6)` in Python is `(total + 1e-6).reciprocal() * max_norm`.
                let coef = ((&total + 1e-6).reciprocal() * max_norm).clamp_max(1.0);
                for grad in &mut grads {
                    *grad *= &coef;
                }
            }
            total.double_value(&[])
        })
    }

    /// Multiplies every gradient by `factor` in place (undoing a loss scale) and says whether all
    /// of them are finite afterwards (a float16 step whose gradients overflowed must be skipped).
    pub fn unscale_grads(&mut self, factor: f64) -> bool {
        tch::no_grad(|| {
            let mut finite = true;
            for slot in &self.slots {
                let mut grad = slot.param.grad();
                if grad.defined() {
                    grad *= factor;
                    finite &= bool::try_from(grad.isfinite().all()).unwrap_or(false);
                }
            }
            finite
        })
    }

    /// One AdamW update at learning rate `lr`, in place, under `no_grad`. Parameters without a
    /// gradient are skipped.
    ///
    /// Per parameter, as PyTorch's `_single_tensor_adam` with `decoupled_weight_decay=True`:
    /// `p *= 1 − lr·λ` (decayed parameters only), `m ← lerp(m, g, 1 − β1)`,
    /// `v ← β2·v + (1 − β2)·g·g`, `p += −(lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)`, with the
    /// scalar factors computed in f64 exactly as Python computes them.
    ///
    /// # Errors
    /// A libtorch error, e.g. a gradient whose shape or device differs from its parameter's.
    pub fn step(&mut self, lr: f64) -> Result<(), TchError> {
        self.steps += 1;
        let AdamWConfig { weight_decay, beta1, beta2, eps } = self.config;
        // PyTorch keeps the count as a float tensor and uses Python float `**` (libm pow) on it.
        let t = self.steps as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = bias_correction2.powf(0.5);
        // In-place ops return another handle to the tensor they changed: dropping it is fine.
        tch::no_grad(|| {
            for slot in &mut self.slots {
                let grad = slot.param.grad();
                if !grad.defined() {
                    continue;
                }
                if slot.decay && weight_decay != 0.0 {
                    let _ = slot.param.f_mul_scalar_(1.0 - lr * weight_decay)?;
                }
                let _ = slot.exp_avg.f_lerp_(&grad, 1.0 - beta1)?;
                // tch's `addcmul_` / `addcdiv_` have no `value` argument. libtorch computes
                // `self + value * t1 * t2` and `self + value * t1 / t2` left to right, so scaling t1
                // by `value` first (one float multiply, as the kernel does) gives identical bits.
                let scaled = grad.f_mul_scalar(1.0 - beta2)?;
                let _ = slot.exp_avg_sq.f_mul_scalar_(beta2)?.f_addcmul_(&scaled, &grad)?;
                let mut denom = slot.exp_avg_sq.f_sqrt()?;
                let _ = denom.f_div_scalar_(bias_correction2_sqrt)?.f_add_scalar_(eps)?;
                let _ = slot.exp_avg.f_mul_scalar_out(&scaled, -step_size)?;
                let _ = slot.param.f_addcdiv_(&scaled, &denom)?;
            }
            Ok(())
        })
    }

    /// How many times [`AdamW::step`] has run (restored by [`AdamW::load_state`]).
    pub fn steps_taken(&self) -> u64 {
        self.steps
    }

    /// How many parameters are trained with weight decay and how many without.
    pub fn num_decayed(&self) -> (usize, usize) {
        let decayed = self.slots.iter().filter(|s| s.decay).count();
        (decayed, self.slots.len() - decayed)
    }

    /// The optimiser state for a checkpoint: `exp_avg.<param>` and `exp_avg_sq.<param>` for every
    /// trained parameter, in parameter order, and the step count.
    ///
    /// The tensors share storage with the live state (no copy): save them before the next step.
    pub fn state(&self) -> (Vec<(String, Tensor)>, u64) {
        let tensors = self
            .slots
            .iter()
            .flat_map(|s| {
                let [avg, avg_sq] = state_names(&s.name);
                [(avg, s.exp_avg.shallow_clone()), (avg_sq, s.exp_avg_sq.shallow_clone())]
            })
            .collect();
        (tensors, self.steps)
    }

    /// Restores a state produced by [`AdamW::state`] (values are copied in, converted to each
    /// parameter's dtype and device). Tensors for parameters this optimiser does not train are
    /// ignored. Nothing changes unless every tensor is present and well shaped.
    ///
    /// # Errors
    /// A message naming the first missing tensor, or one whose shape differs from its parameter's.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], steps: u64) -> Result<(), String> {
        let by_name: HashMap<&str, &Tensor> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let mut sources = Vec::with_capacity(self.slots.len());
        for slot in &self.slots {
            let expected = slot.param.size();
            let [avg, avg_sq] = state_names(&slot.name).map(|key| match by_name.get(key.as_str()) {
                None => Err(format!("optimiser state has no tensor `{key}`")),
                Some(t) if t.size() != expected => Err(format!(
                    "optimiser state tensor `{key}` has shape {:?}, parameter `{}` has {expected:?}",
                    t.size(),
                    slot.name
                )),
                Some(t) => Ok(*t),
            });
            sources.push((avg?, avg_sq?));
        }
        tch::no_grad(|| {
            for (slot, (avg, avg_sq)) in self.slots.iter_mut().zip(sources) {
                slot.exp_avg.f_copy_(avg)?;
                slot.exp_avg_sq.f_copy_(avg_sq)?;
            }
            Ok::<_, TchError>(())
        })
        .map_err(|err| format!("cannot copy optimiser state: {err}"))?;
        self.steps = steps;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Kind;

    fn param(values: &[f32], shape: &[i64]) -> Tensor {
        Tensor::from_slice(values).reshape(shape).set_requires_grad(true)
    }

    /// Gives `p` the gradient `g` through autograd (d/dp of sum(p·g) is g, exactly).
    fn set_grad(p: &Tensor, g: &[f32]) {
        (p * Tensor::from_slice(g).reshape(p.size())).sum(Kind::Float).backward();
    }

    fn values(t: &Tensor) -> Vec<f32> {
        Vec::<f32>::try_from(t.flatten(0, -1)).unwrap()
    }

    fn config(weight_decay: f64) -> AdamWConfig {
        AdamWConfig { weight_decay, ..AdamWConfig::default() }
    }

    #[test]
    fn biases_norms_and_vectors_get_no_weight_decay() {
        let named = [
            ("encoder.layer.0.dense.weight", vec![2, 2], true),
            ("encoder.layer.0.dense.bias", vec![2], false),
            ("encoder.layer.0.LayerNorm.weight", vec![2], false),
            ("encoder.final_layer_norm.weight", vec![2, 2], false),
            ("classifier.Bias", vec![2, 2], false),
            ("scale", vec![1], false),
            ("embeddings.word_embeddings.weight", vec![3, 2], true),
        ];
        for (name, shape, expected) in &named {
            assert_eq!(
                uses_weight_decay(name, &Tensor::zeros(shape, (Kind::Float, tch::Device::Cpu))),
                *expected,
                "{name}"
            );
        }
        let opt = AdamW::new(
            named
                .iter()
                .map(|(n, s, _)| {
                    (n.to_string(), Tensor::zeros(s, (Kind::Float, tch::Device::Cpu)).set_requires_grad(true))
                })
                .collect(),
            AdamWConfig::default(),
        );
        assert_eq!(opt.num_decayed(), (2, 5));
    }

    #[test]
    fn tensors_without_requires_grad_are_dropped() {
        let frozen = Tensor::ones([2, 2], (Kind::Float, tch::Device::Cpu));
        let opt = AdamW::new(vec![("w".into(), param(&[1.0; 4], &[2, 2])), ("frozen".into(), frozen)], config(0.0));
        assert_eq!(opt.num_decayed(), (1, 0));
        let (state, steps) = opt.state();
        let names: Vec<&str> = state.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["exp_avg.w", "exp_avg_sq.w"]);
        assert_eq!(steps, 0);
    }

    #[test]
    fn first_step_moves_each_weight_by_lr_against_its_gradient() {
        // After one step m̂ = g and v̂ = g², so the update is lr·g/(|g| + ε) ≈ lr·sign(g); with
        // λ = 0.1 and lr = 0.1 the weight is first scaled by 1 − 0.01: 1 → 0.99 → 0.89, −2 → −1.98 → −1.88.
        let w = param(&[1.0, -2.0, 0.5, 3.0], &[2, 2]);
        let mut opt = AdamW::new(vec![("w".into(), w.shallow_clone())], config(0.1));
        set_grad(&w, &[0.5, -0.25, 2.0, -1.0]);
        opt.step(0.1).unwrap();
        let expected = [0.89, -1.88, 0.395, 3.07];
        for (got, want) in values(&w).iter().zip(expected) {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        assert_eq!(opt.steps_taken(), 1);
    }

    #[test]
    fn parameters_without_gradient_are_left_alone() {
        let used = param(&[1.0, 1.0, 1.0, 1.0], &[2, 2]);
        let unused = param(&[5.0, 5.0, 5.0, 5.0], &[2, 2]);
        let mut opt = AdamW::new(
            vec![("used".into(), used.shallow_clone()), ("unused".into(), unused.shallow_clone())],
            config(0.5),
        );
        set_grad(&used, &[1.0; 4]);
        opt.step(0.1).unwrap();
        assert_eq!(values(&unused), [5.0; 4]);
        assert!(values(&used).iter().all(|v| *v < 1.0));
    }

    #[test]
    fn clipping_scales_to_max_norm_and_reports_the_norm_before() {
        // Gradient (3, 4): norm 5; clipped to 1 it becomes (3, 4) / (5 + 1e-6) ≈ (0.6, 0.8).
        let w = param(&[0.0, 0.0], &[1, 2]);
        let mut opt = AdamW::new(vec![("w".into(), w.shallow_clone())], config(0.0));
        set_grad(&w, &[3.0, 4.0]);
        assert_eq!(opt.clip_grad_norm(1.0), 5.0);
        let clipped = values(&w.grad());
        assert!((clipped[0] - 0.6).abs() < 1e-6 && (clipped[1] - 0.8).abs() < 1e-6, "{clipped:?}");
        assert!((opt.clip_grad_norm(1.0) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn no_clipping_below_max_norm_or_when_disabled() {
        let w = param(&[0.0, 0.0], &[1, 2]);
        let mut opt = AdamW::new(vec![("w".into(), w.shallow_clone())], config(0.0));
        set_grad(&w, &[3.0, 4.0]);
        assert_eq!(opt.clip_grad_norm(0.0), 5.0);
        assert_eq!(opt.clip_grad_norm(10.0), 5.0);
        assert_eq!(values(&w.grad()), [3.0, 4.0]);
    }

    #[test]
    fn clipping_without_gradients_reports_zero() {
        let mut opt = AdamW::new(vec![("w".into(), param(&[1.0], &[1]))], config(0.0));
        assert_eq!(opt.clip_grad_norm(1.0), 0.0);
    }

    #[test]
    fn zero_grad_zeroes_gradients() {
        let w = param(&[1.0, 2.0], &[2]);
        let mut opt = AdamW::new(vec![("w".into(), w.shallow_clone())], config(0.0));
        set_grad(&w, &[3.0, 4.0]);
        opt.zero_grad();
        assert_eq!(values(&w.grad()), [0.0, 0.0]);
    }

    #[test]
    fn load_state_names_a_missing_tensor() {
        let mut opt = AdamW::new(vec![("w".into(), param(&[1.0, 2.0], &[2]))], config(0.0));
        let (mut state, _) = opt.state();
        state.retain(|(n, _)| n != "exp_avg_sq.w");
        let err = opt.load_state(&state, 3).unwrap_err();
        assert_eq!(err, "optimiser state has no tensor `exp_avg_sq.w`");
        assert_eq!(opt.steps_taken(), 0);
    }

    #[test]
    fn load_state_names_a_misshaped_tensor() {
        let mut opt = AdamW::new(vec![("w".into(), param(&[1.0, 2.0], &[2]))], config(0.0));
        let state = vec![
            ("exp_avg.w".to_string(), Tensor::zeros([3], (Kind::Float, tch::Device::Cpu))),
            ("exp_avg_sq.w".to_string(), Tensor::zeros([2], (Kind::Float, tch::Device::Cpu))),
        ];
        let err = opt.load_state(&state, 3).unwrap_err();
        assert_eq!(err, "optimiser state tensor `exp_avg.w` has shape [3], parameter `w` has [2]");
    }

    #[test]
    fn load_state_copies_values_and_step_count() {
        let mut opt = AdamW::new(vec![("w".into(), param(&[1.0, 2.0], &[2]))], config(0.0));
        let state = vec![
            ("exp_avg.w".to_string(), Tensor::from_slice(&[0.5f32, -0.5])),
            ("exp_avg_sq.w".to_string(), Tensor::from_slice(&[0.25f32, 0.75])),
            ("exp_avg.other".to_string(), Tensor::zeros([7], (Kind::Float, tch::Device::Cpu))),
        ];
        opt.load_state(&state, 42).unwrap();
        let (restored, steps) = opt.state();
        assert_eq!(steps, 42);
        assert_eq!(values(&restored[0].1), [0.5, -0.5]);
        assert_eq!(values(&restored[1].1), [0.25, 0.75]);
    }
}
