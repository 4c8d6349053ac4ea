//! Bakes the libtorch run-time path into this package's test binaries and records which libtorch
//! the plugin API is compiled against, so the host can refuse a plugin built against another one.

fn main() {
    mlpipe_build_support::link_libtorch();
    let version = mlpipe_build_support::libtorch_version();
    println!("cargo:rustc-env=MLPIPE_LIBTORCH_VERSION={version}");
}
