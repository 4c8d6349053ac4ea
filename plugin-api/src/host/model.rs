//! [`HostModel`]: the plugin's model object seen from the host, implementing the plain [`Model`]
//! trait, so the trainer treats plugin models and in-process models alike.

use super::experiment::call;
use crate::ffi::{FfiModelBox, RawTensor};
use crate::{Model, PluginError};
use abi_stable::std_types::RVec;
use std::path::Path;
use tch::Tensor;

/// A model living in the plugin library. Its tensors are the plugin's; the host reaches them
/// through shared libtorch handles.
pub struct HostModel {
    inner: FfiModelBox,
}

impl HostModel {
    pub(crate) fn new(inner: FfiModelBox) -> Self {
        Self { inner }
    }
}

fn to_plugin_error(err: super::CallError) -> PluginError {
    PluginError::new(err.to_string())
}

impl Model for HostModel {
    fn forward(&self, inputs: &[Tensor]) -> Result<Tensor, PluginError> {
        let raw: RVec<RawTensor> = inputs.iter().map(|tensor| RawTensor::from_tensor(tensor.shallow_clone())).collect();
        let output = call("forward", self.inner.forward(raw)).map_err(to_plugin_error)?;
        // SAFETY: the plugin made the handle with `RawTensor::from_tensor` (same libtorch, checked).
        Ok(unsafe { output.into_tensor() })
    }

    fn set_train(&mut self, train: bool) -> Result<(), PluginError> {
        call("set_train", self.inner.set_train(train)).map_err(to_plugin_error)
    }

    fn named_parameters(&self) -> Result<Vec<(String, Tensor)>, PluginError> {
        let named = call("named_parameters", self.inner.named_parameters()).map_err(to_plugin_error)?;
        // SAFETY: as in `forward`.
        Ok(named.into_iter().map(|pair| (pair.0.into_string(), unsafe { pair.1.into_tensor() })).collect())
    }

    fn save_weights(&self, path: &Path) -> Result<(), PluginError> {
        let path = path.to_string_lossy();
        call("save_weights", self.inner.save_weights(path.as_ref().into())).map_err(to_plugin_error)
    }

    fn load_weights(&mut self, path: &Path) -> Result<(), PluginError> {
        let path = path.to_string_lossy();
        call("load_weights", self.inner.load_weights(path.as_ref().into())).map_err(to_plugin_error)
    }
}
