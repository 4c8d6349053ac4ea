#!/usr/bin/env bash
#! What every MiniLM-side benchmark runs first, from a fresh clone: sets up the virtualenv
#! (idempotent), builds the release runner and the news20 plugin, keeps Hugging Face libraries
#! offline, then runs the named script of bench/ with the project's Python and the other arguments:
#!   bash bench/python.sh minilm.py --steps 30
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
script="${1:?usage: bash bench/python.sh <script of bench/> [options]}"
shift
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python "bench/$script" "$@"
