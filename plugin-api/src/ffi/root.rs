//! The root module every plugin exports: a prefix type, so later plugin-api versions can append
//! fields without breaking older plugins, checked by abi_stable at load time (semver of this crate
//! plus the full type layout) and by the host (the libtorch/tch pair).

use super::{FfiContext, FfiError, FfiExperimentBox};
use crate::TorchAbi;
use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::RResult;
use abi_stable::StableAbi;

/// The plugin's root module.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = PluginModRef)))]
#[sabi(missing_field(panic))]
pub struct PluginMod {
    /// The tch/libtorch the plugin was compiled against; the host refuses a mismatch before
    /// calling `open`.
    pub torch_abi: TorchAbi,
    /// Creates the experiment object (`Experiment::new`).
    #[sabi(last_prefix_field)]
    pub open: extern "C" fn(ctx: &FfiContext) -> RResult<FfiExperimentBox, FfiError>,
}

impl RootModule for PluginModRef {
    abi_stable::declare_root_module_statics! {PluginModRef}
    const BASE_NAME: &'static str = "mlpipe_plugin";
    const NAME: &'static str = "mlpipe_plugin";
    const VERSION_STRINGS: VersionStrings = abi_stable::package_version_strings!();
}
