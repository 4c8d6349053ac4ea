//! Bakes the libtorch run-time path into this package's final artifacts (see mlpipe-build-support).

fn main() {
    mlpipe_build_support::link_libtorch();
}
