//! Versions the host checks before calling anything in a plugin. abi_stable already refuses a
//! plugin built against an incompatible plugin-api (semver of this crate plus a full type-layout
//! check); libtorch's shared-library names carry no version, so the libtorch/tch pair is checked
//! here: tensors cross the boundary as raw libtorch pointers and both sides must agree on them.

use abi_stable::std_types::RStr;
use abi_stable::StableAbi;

/// This crate's version, which abi_stable compares between host and plugin.
pub const PLUGIN_API_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The tch and libtorch a binary was compiled against.
#[repr(C)]
#[derive(StableAbi, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TorchAbi {
    /// The `tch` crate version (pinned by the workspace).
    pub tch: RStr<'static>,
    /// The libtorch version read from the PyTorch wheel at build time, e.g. `2.11.0+cu130`.
    pub libtorch: RStr<'static>,
}

impl TorchAbi {
    /// What this build of the plugin API was compiled against.
    pub const CURRENT: TorchAbi =
        TorchAbi { tch: RStr::from_str("0.24.0"), libtorch: RStr::from_str(env!("MLPIPE_LIBTORCH_VERSION")) };
}

impl std::fmt::Display for TorchAbi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tch {} / libtorch {}", self.tch, self.libtorch)
    }
}
