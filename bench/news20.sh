#!/usr/bin/env bash
#! The recipe table, one command from a fresh clone: runs example-plugins/news20/minilm.ini's whole
#! comparison job (minilm, bow, the ensemble; about 35 minutes on 2 cores) into a fresh experiment
#! root under target/bench/news20, fits TF-IDF + LinearSVC on the same splits, prints the README's
#! table and writes bench/results/news20.json. Sets up the virtualenv (idempotent) and builds the
#! runner and the news20 plugin first. Options go to bench/news20.py (see --help), e.g. to
#! summarise a run that already exists:
#!   bash bench/news20.sh --experiment experiments/EXP-0002-news20-minilm --run 1
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
export HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec .venv/bin/python bench/news20.py "$@"
