//! Compiles `native/c10d_shim.cpp` against the libtorch that torch-sys links (see
//! mlpipe-build-support) and bakes libtorch's run-time path into this package's tests.
//!
//! Gloo is always built: libtorch_cpu exports `c10d::ProcessGroupGloo`, but the wheel ships no gloo
//! headers, so Debian's `libgloo-dev` supplies them (the shim only names gloo types through torch's
//! headers and never creates one). NCCL is built when libtorch has `libtorch_cuda.so` and the CUDA
//! runtime and NCCL headers are found, either in the `nvidia-*` wheels next to torch or under
//! `$CUDA_HOME/include`; otherwise the crate builds without it and says so once. The CUDA 13 wheels
//! that torch depends on lack two header sets `cuda_runtime.h` includes: `crt/` (pip package
//! `nvidia-cuda-crt`) and `nv/target` (`nvidia-cuda-cccl`); they install into the same folder.

use std::env;
use std::path::{Path, PathBuf};

const SHIM: &str = "native/c10d_shim.cpp";
const GLOO_HEADERS: &str = "/usr/include/gloo";

fn main() {
    mlpipe_build_support::link_libtorch();
    println!("cargo:rerun-if-changed={SHIM}");
    println!("cargo:rerun-if-env-changed=CUDA_HOME");
    println!("cargo:rerun-if-changed={GLOO_HEADERS}");
    if !Path::new(GLOO_HEADERS).is_dir() {
        panic!("gloo headers not found at {GLOO_HEADERS}: run scripts/setup.sh (it installs libgloo-dev)");
    }

    let lib_dir = mlpipe_build_support::libtorch_lib_dir();
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file(SHIM)
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", "1")
        .define("USE_C10D_GLOO", None)
        .warnings(false)
        // c10's CUDA headers use std::hardware_destructive_interference_size, which GCC flags.
        .flag_if_supported("-Wno-interference-size");
    for dir in mlpipe_build_support::libtorch_include_dirs() {
        build.include(dir);
    }
    match nccl_include_dirs(&lib_dir) {
        Ok(dirs) => {
            build.define("MLPIPE_NCCL", None).define("USE_C10D_NCCL", None);
            for dir in dirs {
                build.include(dir);
            }
            // ProcessGroupNCCL lives in libtorch_cuda.
            println!("cargo:rustc-link-lib=dylib=torch_cuda");
        }
        Err(reason) => println!("cargo:warning=mlpipe-c10d is built without NCCL: {reason}"),
    }
    build.compile("mlpipe_c10d_shim");
    // The NCCL collective tests need a GPU: they are compiled as ignored (counted as not run)
    // unless the machine building them has one, and the "no GPU" test the other way round.
    println!("cargo:rustc-check-cfg=cfg(mlpipe_cuda_device)");
    if cuda_device_present() {
        println!("cargo:rustc-cfg=mlpipe_cuda_device");
    }
    // The shim's static archive comes after the Rust objects on the link line; name libtorch_cpu
    // (c10d's home) and c10 again so its symbols resolve regardless of torch-sys's link order.
    println!("cargo:rustc-link-search=native={}", lib_dir.display());
    println!("cargo:rustc-link-lib=dylib=torch_cpu");
    println!("cargo:rustc-link-lib=dylib=c10");
}

/// Whether `nvidia-smi -L` lists a GPU on the building machine.
fn cuda_device_present() -> bool {
    std::process::Command::new("nvidia-smi")
        .arg("-L")
        .output()
        .is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).contains("GPU 0"))
}

/// The include folders NCCL support needs (CUDA runtime, then NCCL), or why it cannot be built.
fn nccl_include_dirs(lib_dir: &Path) -> Result<Vec<PathBuf>, String> {
    if !lib_dir.join("libtorch_cuda.so").exists() {
        return Err(format!("{} has no libtorch_cuda.so (CPU-only libtorch)", lib_dir.display()));
    }
    // `lib_dir` is `<site-packages>/torch/lib`; the CUDA wheels live in `<site-packages>/nvidia/`.
    let site_packages = lib_dir.parent().and_then(Path::parent).map(Path::to_path_buf);
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(cuda_home) = env::var_os("CUDA_HOME") {
        candidates.push(PathBuf::from(cuda_home).join("include"));
    }
    if let Some(nvidia) = site_packages.map(|dir| dir.join("nvidia")) {
        // `cu13`, `cu12`, ... for the runtime (newest first), `nccl` for NCCL.
        let mut runtimes: Vec<PathBuf> = std::fs::read_dir(&nvidia)
            .map(|entries| entries.flatten().map(|entry| entry.path()).collect())
            .unwrap_or_default();
        runtimes.retain(|dir| dir.file_name().is_some_and(|name| is_cuda_runtime_wheel(&name.to_string_lossy())));
        runtimes.sort();
        candidates.extend(runtimes.into_iter().rev().map(|dir| dir.join("include")));
        candidates.push(nvidia.join("cuda_runtime/include"));
        candidates.push(nvidia.join("nccl/include"));
    }
    // cuda_runtime.h needs the runtime wheel plus `nvidia-cuda-crt` (crt/) and `nvidia-cuda-cccl`
    // (nv/target), which the torch wheel does not pull in; all install into the same folder.
    let mut dirs: Vec<PathBuf> = Vec::new();
    for header in ["cuda_runtime_api.h", "crt/host_config.h", "nv/target", "nccl.h"] {
        let dir = candidates.iter().find(|dir| dir.join(header).is_file()).ok_or_else(|| {
            format!("{header} not found in the nvidia wheels next to torch or $CUDA_HOME/include{}", hint(header))
        })?;
        if !dirs.contains(dir) {
            dirs.push(dir.clone());
        }
    }
    Ok(dirs)
}

/// `cu13`, `cu12`: the CUDA runtime wheels' folders (not `cudnn`, `cusparselt`).
fn is_cuda_runtime_wheel(name: &str) -> bool {
    name.strip_prefix("cu").is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
}

/// Which wheel provides `header` when the torch wheel's dependencies lack it.
fn hint(header: &str) -> &'static str {
    match header {
        "crt/host_config.h" => " (pip package nvidia-cuda-crt, same version as nvidia-cuda-runtime)",
        "nv/target" => " (pip package nvidia-cuda-cccl, same version as nvidia-cuda-runtime)",
        _ => "",
    }
}
