//! Bakes the libtorch run-time path into this package's test binaries (they link mlpipe-core).

fn main() {
    mlpipe_build_support::link_libtorch();
}
