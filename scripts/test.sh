#!/usr/bin/env bash
#! Runs the whole test suite on a fresh clone: installs the toolchain (scripts/setup.sh), checks
#! formatting, lints the Dockerfiles with hadolint, builds every package (the plugin .so files the
#! end-to-end tests load), builds the container image and runs its SageMaker jobs in it
#! (tests/container/run.sh, buildah without a daemon), runs all tests (unit, plugin, end-to-end
#! against the real runner binary and real PyTorch/pandas), then clippy with warnings as errors.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Say how much disk there is: a full disk otherwise shows up as a linker crash (SIGBUS).
df -Pk . | awk 'NR == 2 { printf "test: %.1f GB free on %s\n", $4 / 1048576, $6 }'
bash scripts/setup.sh
cargo fmt --all -- --check
bash scripts/lint-docker.sh
cargo build --workspace --all-targets
# The image test comes before the other tests: it needs the most free disk (7.3 GB while building
# the image) and only the build's runner and plugin, and it gives its images' disk back.
bash tests/container/run.sh
cargo test --workspace --no-fail-fast
cargo clippy --workspace --all-targets -- -D warnings
