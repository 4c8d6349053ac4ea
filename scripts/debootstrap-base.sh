#!/usr/bin/env bash
#! Makes a local Debian bookworm base image without any image registry: debootstrap builds a
#! minimal root file system (with ca-certificates) from Debian's packages, and buildah turns it
#! into the image `localhost/mlpipe-debootstrap:bookworm` (prints its name last). A second run
#! finds the image and does nothing. Needs root, debootstrap and buildah (scripts/setup.sh).
set -euo pipefail
image=localhost/mlpipe-debootstrap:bookworm
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
if buildah inspect --type image "$image" >/dev/null 2>&1; then
  echo "$image"
  exit 0
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-debootstrap.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; echo "debootstrap-base: debootstrap failed (log above)" >&2; exit 1; }
# What a container image leaves out: the package cache and device nodes (the runtime makes /dev).
rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
tar --numeric-owner --exclude='./dev/*' -C "$work/rootfs" -cf "$work/rootfs.tar" .
container="$(buildah from scratch)"
buildah add "$container" "$work/rootfs.tar" / >/dev/null
buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd /bin/bash "$container"
buildah commit --quiet --rm "$container" "$image" >/dev/null
echo "debootstrap-base: $image made in $(( $(date +%s) - start )) s" >&2
echo "$image"
