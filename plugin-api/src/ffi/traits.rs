//! The three trait objects that cross the boundary: the experiment (made by the plugin), the model
//! (made by the plugin) and the record sink (made by the host). Every fallible method returns
//! `FfiError`, which says whether the plugin failed or panicked.

// The generated `*_TO` names, and impls the macro nests in a const (abi_stable 0.11 predates the lint).
#![allow(non_camel_case_types, non_local_definitions)]

use super::{FfiDevice, FfiError, FfiFeatures, FfiRecord, RawTensor};
use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, RResult, RStr, RString, RVec, Tuple2};

/// The host's side of `reconcile`: receives records.
#[sabi_trait]
pub trait FfiSink {
    /// Takes one record; an error stops the reconciliation.
    #[sabi(last_prefix_field)]
    fn push(&mut self, record: FfiRecord) -> RResult<(), RString>;
}

/// The experiment object: the user functions but `new`.
#[sabi_trait]
pub trait FfiExperiment: Send + Sync {
    fn reconcile(&self, sink: FfiSink_TO<'_, abi_stable::sabi_types::RMut<'_, ()>>) -> RResult<(), FfiError>;
    fn labels(&self) -> RResult<RVec<RString>, FfiError>;
    fn prepare(&self, model_name: RStr<'_>, record: &FfiRecord) -> RResult<FfiFeatures, FfiError>;
    fn ordered_input_keys(&self, model_name: RStr<'_>) -> RResult<RVec<RString>, FfiError>;
    #[sabi(last_prefix_field)]
    fn load_model(&self, model_name: RStr<'_>, num_labels: u64, device: FfiDevice) -> RResult<FfiModelBox, FfiError>;
}

/// The model object.
#[sabi_trait]
pub trait FfiModel: Send {
    fn forward(&self, inputs: RVec<RawTensor>) -> RResult<RawTensor, FfiError>;
    fn set_train(&mut self, train: bool) -> RResult<(), FfiError>;
    fn named_parameters(&self) -> RResult<RVec<Tuple2<RString, RawTensor>>, FfiError>;
    fn save_weights(&self, path: RStr<'_>) -> RResult<(), FfiError>;
    #[sabi(last_prefix_field)]
    fn load_weights(&mut self, path: RStr<'_>) -> RResult<(), FfiError>;
}

/// An owned experiment object.
pub type FfiExperimentBox = FfiExperiment_TO<'static, RBox<()>>;
/// An owned model object.
pub type FfiModelBox = FfiModel_TO<'static, RBox<()>>;
