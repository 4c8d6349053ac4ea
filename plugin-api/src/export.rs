//! The plugin side of the boundary: [`export_experiment!`] and the adapters it instantiates, which
//! turn a plain-Rust [`Experiment`] into the FFI root module. Every call into plugin code runs
//! under `catch_unwind`: a panic unwinding across `extern "C"` would abort the host, so it becomes
//! an error that says the function panicked.

use crate::ffi::{
    FfiContext, FfiDevice, FfiError, FfiExperiment, FfiExperimentBox, FfiExperiment_TO, FfiFeatures, FfiModel,
    FfiModelBox, FfiModel_TO, FfiRecord, FfiSink_TO, PluginMod, PluginModRef, RawTensor,
};
use crate::{Context, Experiment, Model, PluginError, Record, RecordSink, TorchAbi};
use abi_stable::prefix_type::PrefixTypeTrait;
use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::sabi_types::RMut;
use abi_stable::std_types::{RResult, RStr, RString, RVec, Tuple2};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

pub use abi_stable::library::{
    __call_root_module_loader as call_root_module_loader, CheckTypeLayout, LibHeader, RootModuleResult,
};

/// Generates the plugin's root module for an [`Experiment`] type. Put it once in the plugin
/// crate's `lib.rs`; the crate must have `crate-type = ["cdylib"]`.
#[macro_export]
macro_rules! export_experiment {
    ($experiment:ty) => {
        // The symbol abi_stable's loader looks up (`abi_stable::library::ROOT_MODULE_LOADER_NAME`;
        // a unit test of mlpipe-plugin-api keeps the two equal). Spelled out here instead of using
        // `#[export_root_module]`, whose expansion needs `abi_stable` as a direct dependency.
        #[doc(hidden)]
        #[export_name = "_1as_0lib_1header_0root_bmodule_bloader"]
        pub static MLPIPE_PLUGIN_ROOT_MODULE: $crate::__private::LibHeader = {
            extern "C" fn erased_root_module() -> $crate::__private::RootModuleResult {
                $crate::__private::call_root_module_loader($crate::__private::root_module::<$experiment>)
            }
            // SAFETY: the constructor returns the root module type named here.
            unsafe {
                $crate::__private::LibHeader::from_constructor::<$crate::__private::PluginModRef>(
                    erased_root_module,
                    $crate::__private::CheckTypeLayout::Yes,
                )
            }
        };
    };
}

/// Builds the root module for `E`.
pub fn root_module<E: Experiment>() -> PluginModRef {
    PluginMod { torch_abi: TorchAbi::CURRENT, open: open::<E> }.leak_into_prefix()
}

/// Runs plugin code, turning a returned error or a panic into an [`FfiError`].
fn guard<T>(call: impl FnOnce() -> Result<T, PluginError>) -> RResult<T, FfiError> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(Ok(value)) => RResult::ROk(value),
        Ok(Err(err)) => RResult::RErr(err.into()),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|text| (*text).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic with a non-text payload".to_string());
            RResult::RErr(FfiError { panicked: true, message: message.into() })
        }
    }
}

extern "C" fn open<E: Experiment>(ctx: &FfiContext) -> RResult<FfiExperimentBox, FfiError> {
    guard(|| {
        let ctx = Context::from(ctx);
        let experiment = E::new(&ctx)?;
        Ok(FfiExperiment_TO::from_value(ExperimentAdapter { experiment, ctx }, TD_Opaque))
    })
}

struct ExperimentAdapter<E> {
    experiment: E,
    ctx: Context,
}

impl<E: Experiment> FfiExperiment for ExperimentAdapter<E> {
    fn reconcile(&self, mut sink: FfiSink_TO<'_, RMut<'_, ()>>) -> RResult<(), FfiError> {
        guard(|| {
            let mut push = |record: Record| -> Result<(), PluginError> {
                sink.push(FfiRecord::from(record)).into_result().map_err(|err| PluginError::new(err.into_string()))
            };
            self.experiment.reconcile(&self.ctx, &mut RecordSink::new(&mut push))
        })
    }

    fn labels(&self) -> RResult<RVec<RString>, FfiError> {
        guard(|| Ok(self.experiment.labels()?.into_iter().map(RString::from).collect()))
    }

    fn prepare(&self, model_name: RStr<'_>, record: &FfiRecord) -> RResult<FfiFeatures, FfiError> {
        guard(|| {
            let record = Record::from(record.clone());
            Ok(self.experiment.prepare(model_name.as_str(), &record)?.into())
        })
    }

    fn ordered_input_keys(&self, model_name: RStr<'_>) -> RResult<RVec<RString>, FfiError> {
        guard(|| Ok(self.experiment.ordered_input_keys(model_name.as_str())?.into_iter().map(RString::from).collect()))
    }

    fn load_model(&self, model_name: RStr<'_>, num_labels: u64, device: FfiDevice) -> RResult<FfiModelBox, FfiError> {
        guard(|| {
            let model = self.experiment.load_model(model_name.as_str(), num_labels as usize, device.into())?;
            Ok(FfiModel_TO::from_value(ModelAdapter { model }, TD_Opaque))
        })
    }
}

struct ModelAdapter {
    model: Box<dyn Model>,
}

impl FfiModel for ModelAdapter {
    fn forward(&self, inputs: RVec<RawTensor>) -> RResult<RawTensor, FfiError> {
        // Convert outside the guard so every handle is consumed even if forward panics.
        // SAFETY: the host made each handle with `RawTensor::from_tensor` (same libtorch, checked).
        let inputs: Vec<_> = inputs.into_iter().map(|raw| unsafe { raw.into_tensor() }).collect();
        guard(|| Ok(RawTensor::from_tensor(self.model.forward(&inputs)?)))
    }

    fn set_train(&mut self, train: bool) -> RResult<(), FfiError> {
        guard(|| self.model.set_train(train))
    }

    fn named_parameters(&self) -> RResult<RVec<Tuple2<RString, RawTensor>>, FfiError> {
        guard(|| {
            let named = self.model.named_parameters()?;
            Ok(named.into_iter().map(|(name, tensor)| Tuple2(name.into(), RawTensor::from_tensor(tensor))).collect())
        })
    }

    fn save_weights(&self, path: RStr<'_>) -> RResult<(), FfiError> {
        guard(|| self.model.save_weights(Path::new(path.as_str())))
    }

    fn load_weights(&mut self, path: RStr<'_>) -> RResult<(), FfiError> {
        guard(|| self.model.load_weights(Path::new(path.as_str())))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn exported_symbol_is_the_one_abi_stable_looks_up() {
        let expanded = include_str!("export.rs");
        let quoted = format!("#[export_name = \"{}\"]", abi_stable::library::ROOT_MODULE_LOADER_NAME);
        assert!(expanded.contains(&quoted), "export_experiment! must export {quoted}");
    }
}
