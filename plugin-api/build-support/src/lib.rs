//! Build-script helper shared by every mlpipe package that produces a final artifact (the runner
//! binary, test binaries, plugin `.so` files). libtorch is a set of shared libraries living inside
//! the PyTorch wheel; torch-sys links against them but its own rpath flag does not reach final
//! artifacts, so each package's `build.rs` calls [`link_libtorch`] to bake the library folder in.
//! It has no dependencies on purpose: build-dependencies are compiled separately from normal ones.
#![warn(missing_docs)]

use std::env;
use std::path::{Path, PathBuf};

/// Emits the linker arguments that let the package's binaries, tests and cdylibs find libtorch at
/// run time without `LD_LIBRARY_PATH`, and keeps `libtorch_cuda.so` linked when it exists (rustc
/// passes `--as-needed`, which would otherwise drop it and leave CUDA unavailable on GPU machines).
///
/// libtorch is found through `LIBTORCH` (set by the workspace's `.cargo/config.toml`).
///
/// # Panics
/// Panics (failing the build with the message) when `LIBTORCH` is unset or has no `lib/` folder,
/// which means `scripts/setup.sh` has not been run.
pub fn link_libtorch() {
    println!("cargo:rerun-if-env-changed=LIBTORCH");
    let lib = libtorch_lib_dir();
    println!("cargo:rustc-link-arg=-Wl,-rpath,{}", lib.display());
    if lib.join("libtorch_cuda.so").exists() {
        println!("cargo:rustc-link-search=native={}", lib.display());
        println!("cargo:rustc-link-arg=-Wl,--no-as-needed,-ltorch_cuda,--as-needed");
    }
}

/// The `lib/` folder of the libtorch this build uses, canonicalised so the baked-in path does not
/// depend on the `.venv/libtorch` link.
///
/// # Panics
/// As [`link_libtorch`].
pub fn libtorch_lib_dir() -> PathBuf {
    let root = env::var_os("LIBTORCH")
        .map(PathBuf::from)
        .expect("LIBTORCH is not set: run scripts/setup.sh from the mlpipe workspace");
    let lib = root.join("lib");
    match lib.canonicalize() {
        Ok(path) => path,
        Err(err) => panic!("libtorch not found at {} ({err}): run scripts/setup.sh first", display(&lib)),
    }
}

/// The folders holding libtorch's C++ headers, for build scripts that compile C++ against it.
///
/// # Panics
/// As [`link_libtorch`].
pub fn libtorch_include_dirs() -> Vec<PathBuf> {
    let root = libtorch_lib_dir().parent().expect("lib/ has a parent").to_path_buf();
    vec![root.join("include"), root.join("include/torch/csrc/api/include")]
}

/// The libtorch version this build compiles against, read from the wheel's `torch/version.py`
/// (`__version__ = '2.11.0+cu130'` → `2.11.0+cu130`).
///
/// # Panics
/// When the file is missing or has no `__version__` line.
pub fn libtorch_version() -> String {
    let root = PathBuf::from(env::var_os("LIBTORCH").expect("LIBTORCH is not set"));
    let file = root.join("version.py");
    println!("cargo:rerun-if-changed={}", file.display());
    let text = std::fs::read_to_string(&file).unwrap_or_else(|err| panic!("cannot read {}: {err}", display(&file)));
    text.lines()
        .find_map(|line| line.strip_prefix("__version__"))
        .map(|rest| rest.trim_start_matches([' ', '=']).trim().trim_matches(['\'', '"']).to_string())
        .unwrap_or_else(|| panic!("no __version__ line in {}", display(&file)))
}

fn display(path: &Path) -> String {
    path.display().to_string()
}
