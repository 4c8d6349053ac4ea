#!/usr/bin/env bash
#! Re-takes docs/terminal.png and docs/report.png from a real run of the news20 example (see
#! scripts/screenshots.py). RUNNER and PLUGIN may name already built binaries.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [ -z "${RUNNER:-}" ]; then
  cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
  RUNNER=target/release/runner PLUGIN=target/release/libmlpipe_plugin_news20.so
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
.venv/bin/python scripts/screenshots.py "$(realpath "$RUNNER")" "$(realpath "$PLUGIN")" "$scratch"
