//! The library boundary: abi_stable's root module, FFI-safe mirrors of the plain types, the
//! sabi-trait objects for the experiment, the model and the record sink, and raw tensor handles.
//! Only this module and its two users ([`crate::export`] in plugins, [`crate::host`] in the host)
//! see `R*` types.

mod root;
mod tensor;
mod traits;
mod types;

pub use root::{PluginMod, PluginModRef};
pub use tensor::RawTensor;
pub use traits::{
    FfiExperiment, FfiExperimentBox, FfiExperiment_TO, FfiModel, FfiModelBox, FfiModel_TO, FfiSink, FfiSink_TO,
};
pub use types::{FfiContext, FfiDevice, FfiError, FfiFeatures, FfiRecord};
