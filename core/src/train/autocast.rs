//! Mixed precision: runs a closure with libtorch autocast on (bfloat16 or float16, on CPU or
//! CUDA) through `native/autocast.cpp`, and [`LossScaler`], the dynamic loss scaling float16 needs
//! (as `torch.amp.GradScaler`: scale the loss, unscale the gradients, skip a step whose gradients
//! overflowed and halve the scale, double it after 2,000 good steps).

use crate::settings::MixedPrecision;
use mlpipe_plugin_api::tch::Device;
use serde::{Deserialize, Serialize};

extern "C" {
    fn mlpipe_autocast_enter(device: i32, dtype: i32) -> bool;
    fn mlpipe_autocast_exit(device: i32, previous: bool);
}

/// Runs `f` under autocast for `precision` on `device`; `MixedPrecision::No` runs it as is.
pub fn autocast<T>(precision: MixedPrecision, device: Device, f: impl FnOnce() -> T) -> T {
    let dtype = match precision {
        MixedPrecision::No => return f(),
        MixedPrecision::Bf16 => 0,
        MixedPrecision::Fp16 => 1,
    };
    let device = i32::from(device.is_cuda());
    struct Exit(i32, bool);
    impl Drop for Exit {
        fn drop(&mut self) {
            // SAFETY: pairs the enter below; both only flip libtorch's thread-local autocast state.
            unsafe { mlpipe_autocast_exit(self.0, self.1) }
        }
    }
    // SAFETY: see above.
    let _exit = Exit(device, unsafe { mlpipe_autocast_enter(device, dtype) });
    f()
}

/// Dynamic loss scaling for float16 training (state is checkpointed, so resumes stay exact).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossScaler {
    /// The factor the loss is multiplied by before backward.
    pub scale: f64,
    /// Finite steps since the scale last changed.
    pub good_steps: u64,
}

impl LossScaler {
    const GROWTH_INTERVAL: u64 = 2000;

    /// PyTorch's initial scale, 2^16.
    pub fn new() -> Self {
        Self { scale: 65536.0, good_steps: 0 }
    }

    /// After a step: grows the scale after enough finite steps, halves it after an overflow.
    pub fn update(&mut self, finite: bool) {
        if finite {
            self.good_steps += 1;
            if self.good_steps.is_multiple_of(Self::GROWTH_INTERVAL) {
                self.scale *= 2.0;
            }
        } else {
            self.scale /= 2.0;
            self.good_steps = 0;
        }
    }
}

impl Default for LossScaler {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_plugin_api::tch::{Kind, Tensor};

    #[test]
    fn bf16_autocast_runs_matmul_in_bfloat16_on_cpu_and_restores_the_state() {
        let a = Tensor::ones([4, 4], (Kind::Float, Device::Cpu));
        let inside = autocast(MixedPrecision::Bf16, Device::Cpu, || a.matmul(&a));
        assert_eq!(inside.kind(), Kind::BFloat16);
        assert_eq!(a.matmul(&a).kind(), Kind::Float, "autocast must end with the closure");
        assert_eq!(autocast(MixedPrecision::No, Device::Cpu, || a.matmul(&a)).kind(), Kind::Float);
    }

    #[test]
    fn the_scaler_halves_on_overflow_and_grows_after_good_steps() {
        let mut scaler = LossScaler::new();
        scaler.update(false);
        assert_eq!(scaler.scale, 32768.0);
        for _ in 0..2000 {
            scaler.update(true);
        }
        assert_eq!(scaler.scale, 65536.0);
    }
}
