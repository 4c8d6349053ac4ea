#!/usr/bin/env bash
#! The MiniLM benchmark, one command from a fresh clone: mlpipe against the Hugging Face reference
#! pipeline (datasets + transformers + Accelerate) fine-tuning all-MiniLM-L6-v2 on 20 Newsgroups,
#! same machine, same documents. Sets up the virtualenv (idempotent), builds the runner and the
#! news20 plugin, then runs bench/minilm.py, which prints the table and writes
#! target/bench/minilm/results.{json,md}. Options go to bench/minilm.py (see --help), e.g.
#!   bash bench/minilm.sh --steps 30 --precision bf16 --infer-docs 1000
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python bench/minilm.py "$@"
