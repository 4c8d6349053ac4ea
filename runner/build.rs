//! Bakes the libtorch run-time path into this package's final artifacts (see mlpipe-build-support),
//! and records where this runner's plugin API and libtorch are, for `runner new`: a plugin crate
//! it writes depends on the same mlpipe-plugin-api (by path) and builds against the same libtorch,
//! with nothing for the plugin author to export.

use std::env;
use std::path::{Path, PathBuf};

fn main() {
    mlpipe_build_support::link_libtorch();
    let lib = mlpipe_build_support::libtorch_lib_dir();
    let libtorch = lib.parent().expect("libtorch's lib/ has a parent");
    println!("cargo:rustc-env=MLPIPE_LIBTORCH_ROOT={}", libtorch.display());
    println!("cargo:rerun-if-env-changed=LIBTORCH_CXX11_ABI");
    let cxx11_abi = env::var("LIBTORCH_CXX11_ABI").unwrap_or_else(|_| "1".to_string());
    println!("cargo:rustc-env=MLPIPE_LIBTORCH_CXX11_ABI={cxx11_abi}");
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("runner/ sits in the workspace");
    for (variable, folder) in
        [("MLPIPE_PLUGIN_API_DIR", "plugin-api"), ("MLPIPE_BUILD_SUPPORT_DIR", "plugin-api/build-support")]
    {
        println!("cargo:rustc-env={variable}={}", canonical(&workspace.join(folder)).display());
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}
