#!/usr/bin/env bash
#! Time to quality, one command from a fresh clone: the wall-clock minutes mlpipe and the Hugging
#! Face reference stack each take on this machine to fine-tune all-MiniLM-L6-v2 past the TF-IDF
#! baseline's validation macro-F1 on 20 Newsgroups, and the test accuracy each ends with. Sets up
#! the virtualenv (idempotent), builds the runner and the news20 plugin, then runs
#! bench/time_to_quality.py, which prints the table and writes target/bench/time-to-quality/results.{json,md}.
#! Options go to bench/time_to_quality.py (see --help), e.g. a quick check of the script:
#!   bash bench/time_to_quality.sh --max-steps 40 --eval-every 20
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python bench/time_to_quality.py "$@"
