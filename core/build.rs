//! Bakes the libtorch run-time path into this package's final artifacts (see mlpipe-build-support)
//! and compiles the small C++ piece (`native/autocast.cpp`) against the same libtorch headers.

fn main() {
    mlpipe_build_support::link_libtorch();
    println!("cargo:rerun-if-changed=native/autocast.cpp");
    let mut build = cc::Build::new();
    build
        .cpp(true)
        .file("native/autocast.cpp")
        .flag("-std=c++17")
        .define("_GLIBCXX_USE_CXX11_ABI", "1")
        .warnings(false);
    for dir in mlpipe_build_support::libtorch_include_dirs() {
        build.include(dir);
    }
    build.compile("mlpipe_native");
}
