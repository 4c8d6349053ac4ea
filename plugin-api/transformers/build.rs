//! Bakes the libtorch run-time path into this package's test binaries (see mlpipe-build-support).

fn main() {
    mlpipe_build_support::link_libtorch();
}
