#!/usr/bin/env bash
#! Builds the image `mlpipe-base:<version>` (docker/Dockerfile): builds the runner with cargo
#! (outside the image), stages it with libtorch's shared libraries from the project's virtualenv
#! into target/image/context (removed after the build), then builds with buildah
#! (`bud --isolation chroot`, no daemon) or, when buildah is missing, docker. Prints the build time
#! and the image size.
#!
#!   bash scripts/build-image.sh [--profile release|dev] [--prebuilt] [--base IMAGE] [--tag NAME]
#!
#! --profile dev takes the dev profile's binary (optimised too); --prebuilt takes the runner already
#! built for that profile without running cargo (the test command's build: `cargo build -p
#! mlpipe-runner` alone resolves other dependency features than the workspace build and would
#! compile the runner a second time); --base is the runtime base image (default
#! debian:bookworm-slim, the Dockerfile's own default).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
profile=release
prebuilt=false
base=""
tag="mlpipe-base:$version"
while [ $# -gt 0 ]; do
  case "$1" in
    --profile) profile="$2"; shift 2 ;;
    --prebuilt) prebuilt=true; shift ;;
    --base) base="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    *) echo "build-image: unknown argument $1 (expected --profile, --prebuilt, --base or --tag)" >&2; exit 2 ;;
  esac
done
case "$profile" in
  release) out=target/release ;;
  dev) out=target/debug ;;
  *) echo "build-image: --profile $profile: expected release or dev" >&2; exit 2 ;;
esac

site="$(ls -d "$root"/.venv/lib/python3*/site-packages 2>/dev/null | head -n1)"
[ -f "$site/torch/lib/libtorch_cpu.so" ] || { echo "build-image: no torch wheel in .venv: run scripts/setup.sh" >&2; exit 1; }

start=$(date +%s)
if [ "$prebuilt" = true ]; then
  [ -x "$out/runner" ] || { echo "build-image: --prebuilt: no $out/runner (build the workspace first)" >&2; exit 1; }
else
  cargo build --profile "$profile" --locked -p mlpipe-runner
fi
context=target/image/context
blob_tmp=""
# The staged files and a temporary blob folder go, whether the build succeeds or not.
trap 'rm -rf "$context" ${blob_tmp:+"$blob_tmp"}' EXIT
rm -rf "$context"
mkdir -p "$context/bin" "$context/libtorch/torch/lib"
# Line tables are for backtraces at the developer's desk; the image ships the stripped binary.
objcopy --strip-debug "$out/runner" "$context/bin/runner"
# Staging hard-links the virtualenv's files where it can (same file system): 3.6 GB of libraries
# are not copied once more on the way into the image.
stage() { cp --link "$@" 2>/dev/null || cp "$@"; }
# The wheel's shared libraries, minus the Python binding (nothing in the image runs Python).
for lib in "$site"/torch/lib/*.so*; do
  case "$(basename "$lib")" in libtorch_python.so) continue ;; esac
  stage -L "$lib" "$context/libtorch/torch/lib/"
done
# The NVIDIA wheels' lib folders, at the paths libtorch_cuda.so's rpath names, without what is
# only for building (static archives, LLVM bitcode, CMake files): nothing loads those at run time.
for lib_dir in "$site"/nvidia/*/lib; do
  package="$(basename "$(dirname "$lib_dir")")"
  mkdir -p "$context/libtorch/nvidia/$package"
  stage -a "$lib_dir" "$context/libtorch/nvidia/$package/"
done
find "$context/libtorch/nvidia" \( -name '*.a' -o -name '*.bc' -o -name cmake \) -prune -exec rm -rf {} +
echo "build-image: staged $(du -sh "$context" | cut -f1) in $context ($(df --output=avail -h "$context" | tail -n1 | tr -d ' ') free on its disk)"

args=(-f docker/Dockerfile)
[ -n "$base" ] && args+=(--build-arg "BASE=$base")
if command -v buildah >/dev/null 2>&1; then
  # A rebuild leaves the previous image of this tag untagged (GBs): removed once replaced.
  previous="$(buildah images --quiet --noheading "$tag" 2>/dev/null || true)"
  # Docker's image format (not OCI) keeps the Dockerfile's SHELL; ECR and SageMaker take both.
  # Free disk limits this build more than time: the build container holds a copy of the image's
  # files (3.8 GB) next to the committed layer (3.8 GB), and committing first writes the layer as
  # an uncompressed blob to a temporary folder (twice its size, measured): that goes to memory
  # (/dev/shm) where it has room, so the build needs 7.3 GB of free disk (measured) instead of 15.
  blob_tmp="${TMPDIR:-/var/tmp}"
  shm_free_mb="$(df --output=avail -B1M /dev/shm 2>/dev/null | tail -n1 | tr -d ' ' || echo 0)"
  [ "${shm_free_mb:-0}" -gt 9000 ] && blob_tmp=/dev/shm
  blob_tmp="$(mktemp -d "$blob_tmp/mlpipe-build.XXXXXX")"
  TMPDIR="$blob_tmp" buildah bud --isolation chroot --format docker --quiet "${args[@]}" -t "$tag" "$context" >/dev/null
  size="$(buildah images --format '{{.Size}}' "$tag")"
  if [ -n "$previous" ] && [ "$previous" != "$(buildah images --quiet --noheading "$tag")" ]; then
    buildah rmi "$previous" >/dev/null 2>&1 || true
  fi
else
  docker build --quiet "${args[@]}" -t "$tag" "$context" >/dev/null
  size="$(( $(docker image inspect --format '{{.Size}}' "$tag") / 1000000 )) MB"
fi
echo "build-image: $tag built in $(( $(date +%s) - start )) s (cargo included), $size"
