//! The model object that `load_model` returns: what training, export and inference need from a
//! model, and [`VarStoreModel`], which implements it for any `tch` network built on a `VarStore`.

use crate::PluginError;
use std::path::Path;
use tch::nn::VarStore;
use tch::Tensor;

/// A trainable classification model. The host owns the optimiser: it trains the tensors returned
/// by [`Model::named_parameters`] in place. [`VarStoreModel`] implements it for any network built
/// on a `VarStore`; implement it by hand when a model needs more state.
///
/// # Example
///
/// Logistic regression over dense features `[batch, 8]`, with dropout while training:
///
/// ```no_run
/// use mlpipe_plugin_api::tch::nn::VarStore;
/// use mlpipe_plugin_api::tch::{Device, Tensor};
/// use mlpipe_plugin_api::{load_var_store, save_var_store, sorted_variables, Model, PluginError};
/// use std::path::Path;
///
/// struct Logistic {
///     vs: VarStore,
///     weight: Tensor,
///     bias: Tensor,
///     train: bool,
/// }
///
/// impl Model for Logistic {
///     fn forward(&self, inputs: &[Tensor]) -> Result<Tensor, PluginError> {
///         let [features] = inputs else {
///             return Err(PluginError::new(format!("expected 1 input, got {}", inputs.len())));
///         };
///         Ok(features.f_dropout(0.1, self.train)?.f_linear(&self.weight, Some(&self.bias))?)
///     }
///
///     fn set_train(&mut self, train: bool) -> Result<(), PluginError> {
///         self.train = train;
///         Ok(())
///     }
///
///     fn named_parameters(&self) -> Result<Vec<(String, Tensor)>, PluginError> {
///         Ok(sorted_variables(&self.vs))
///     }
///
///     fn save_weights(&self, path: &Path) -> Result<(), PluginError> {
///         save_var_store(&self.vs, path)
///     }
///
///     fn load_weights(&mut self, path: &Path) -> Result<(), PluginError> {
///         load_var_store(&self.vs, path)
///     }
/// }
///
/// let vs = VarStore::new(Device::Cpu);
/// let weight = vs.root().zeros("weight", &[3, 8]);
/// let bias = vs.root().zeros("bias", &[3]);
/// let model: Box<dyn Model> = Box::new(Logistic { vs, weight, bias, train: true });
/// ```
pub trait Model: Send {
    /// Computes logits of shape `[batch, num_labels]` from the inputs, given in
    /// `ordered_input_keys` order, each `[batch, ...]`. Must be traceable by TorchScript (no
    /// data-dependent Rust control flow) and honour the train/eval mode (dropout).
    ///
    /// # Errors
    /// Shape mismatches or libtorch errors.
    fn forward(&self, inputs: &[Tensor]) -> Result<Tensor, PluginError>;

    /// Switches between training (dropout on) and evaluation mode.
    ///
    /// # Errors
    /// Only if the model cannot switch.
    fn set_train(&mut self, train: bool) -> Result<(), PluginError>;

    /// Every tensor of the model by name, trainable ones with `requires_grad` set: the host
    /// optimises these, and saves and restores them. Returns shallow copies sharing storage.
    ///
    /// # Errors
    /// Only on libtorch errors.
    fn named_parameters(&self) -> Result<Vec<(String, Tensor)>, PluginError>;

    /// Saves the weights as safetensors at `path`, with the names `load_weights` expects.
    ///
    /// # Errors
    /// I/O or libtorch errors.
    fn save_weights(&self, path: &Path) -> Result<(), PluginError>;

    /// Loads weights written by `save_weights` (checkpoints, the best model).
    ///
    /// # Errors
    /// A missing file or a name/shape mismatch.
    fn load_weights(&mut self, path: &Path) -> Result<(), PluginError>;
}

/// A [`Model`] made of a `VarStore` and a forward function `(vars, inputs, train) -> logits`.
/// Most plugins need nothing more: build the network's layers on `vs.root()`, move them into the
/// closure, and wrap.
pub struct VarStoreModel<F> {
    vs: VarStore,
    forward: F,
    train: bool,
}

impl<F> VarStoreModel<F>
where
    F: Fn(&[Tensor], bool) -> Result<Tensor, tch::TchError> + Send,
{
    /// Wraps a network whose variables live in `vs`; it starts in training mode.
    pub fn new(vs: VarStore, forward: F) -> Self {
        Self { vs, forward, train: true }
    }

    /// The underlying variables.
    pub fn var_store(&self) -> &VarStore {
        &self.vs
    }
}

impl<F> Model for VarStoreModel<F>
where
    F: Fn(&[Tensor], bool) -> Result<Tensor, tch::TchError> + Send,
{
    fn forward(&self, inputs: &[Tensor]) -> Result<Tensor, PluginError> {
        Ok((self.forward)(inputs, self.train)?)
    }

    fn set_train(&mut self, train: bool) -> Result<(), PluginError> {
        self.train = train;
        Ok(())
    }

    fn named_parameters(&self) -> Result<Vec<(String, Tensor)>, PluginError> {
        Ok(sorted_variables(&self.vs))
    }

    fn save_weights(&self, path: &Path) -> Result<(), PluginError> {
        save_var_store(&self.vs, path)
    }

    fn load_weights(&mut self, path: &Path) -> Result<(), PluginError> {
        load_var_store(&self.vs, path)
    }
}

/// Every variable of `vs` by name, sorted by name: what [`Model::named_parameters`] returns for a
/// model built on a `VarStore`.
pub fn sorted_variables(vs: &VarStore) -> Vec<(String, Tensor)> {
    let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    named.sort_by(|a, b| a.0.cmp(&b.0));
    named
}

/// Writes the variables of `vs` as safetensors at `path` ([`Model::save_weights`]).
///
/// # Errors
/// I/O or libtorch errors, naming the file.
pub fn save_var_store(vs: &VarStore, path: &Path) -> Result<(), PluginError> {
    Tensor::write_safetensors(&sorted_variables(vs), path)
        .map_err(|err| PluginError::from(err).context(format!("writing {}", path.display())))
}

/// Loads a file written by [`save_var_store`] into the variables of `vs` ([`Model::load_weights`]).
///
/// # Errors
/// A missing file or a name/shape mismatch, naming the file.
pub fn load_var_store(vs: &VarStore, path: &Path) -> Result<(), PluginError> {
    // Copying into leaf variables that require grad is only allowed outside autograd.
    tch::no_grad(|| vs.read_safetensors(path))
        .map_err(|err| PluginError::from(err).context(format!("reading {}", path.display())))
}
