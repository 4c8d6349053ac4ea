#!/usr/bin/env bash
#! The imbalanced-labels benchmark, one command from a fresh clone: the news20 `bow` model on a
#! skewed 20 Newsgroups (`[plugin] imbalance_ratio`, default 50: the largest training label has 50
#! times the posts of the smallest; validation and test untouched) with `class_weighting` none,
#! balanced and sqrt and with the balanced sampler, beside TF-IDF + LinearSVC with and without
#! `class_weight="balanced"` on the same split. Sets up the virtualenv (idempotent), builds the runner
#! and the news20 plugin (PROFILE=release by default; PROFILE=dev reuses the test build: the numbers
#! are the same, only slower), then runs bench/imbalance.py, which prints the table and writes
#! bench/results/imbalance.json. Options go to bench/imbalance.py (see --help).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
profile="${PROFILE:-release}"
cargo build --profile "$profile" -p mlpipe-runner -p mlpipe-plugin-news20
folder="$profile"
[ "$profile" = dev ] && folder=debug
exec .venv/bin/python bench/imbalance.py --binaries "target/$folder" "$@"
