#!/usr/bin/env bash
#! The memory-policy table of the README ("Memory policy"): trains news20's minilm at 384 tokens,
#! batch 32, bf16 for 60 optimiser steps under each allocator policy of the runner and prints
#! samples/s and peak RSS (from each run's statistics.json). One fresh experiment root under
#! target/bench/memory; its reconcile and prepare run once, then one `train` run per policy
#! (about 8 minutes each on 2 cores, 40 in all). Usage: bash bench/memory.sh [STEPS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
steps="${1:-60}"
bash scripts/setup.sh
cargo build --release -p mlpipe-runner -p mlpipe-plugin-news20
root="$PWD/target/bench/memory/$(date -u +%Y%m%dT%H%M%SZ)"
runner=(target/release/runner --plugin target/release/libmlpipe_plugin_news20.so
  example-plugins/news20/minilm.ini --set "experiment.root=$root"
  --set plugin.minilm_max_length=384)
"${runner[@]}" reconcile prepare
policies=(
  "glibc defaults|MLPIPE_MALLOC_DEFAULTS=1"
  "blocks >= 32 MiB mapped on their own, no trim|MLPIPE_MALLOC_DEFAULTS=1 MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=2147483647"
  "keep everything (no cap)|MLPIPE_TRIM_ABOVE_MIB=1000000000"
  "keep, trim above half of memory (the runner's policy)|"
)
run=0
for policy in "${policies[@]}"; do
  run=$((run + 1))
  # shellcheck disable=SC2086 # the environment assignments are words on purpose
  env ${policy#*|} "${runner[@]}" --set training.bow.max_steps=1 \
    --set "training.minilm.max_steps=$steps" train >"$root/train-$run.log" 2>&1
done
echo "| policy | samples/s | peak RSS GiB |"
echo "|---|---:|---:|"
run=0
for policy in "${policies[@]}"; do
  run=$((run + 1))
  stats="$root/EXP-0002-news20-minilm/runs/$run/training/minilm/statistics.json"
  .venv/bin/python -c 'import json, sys; s = json.load(open(sys.argv[1]))
rate, peak = s["samples_per_second"], s["peak_rss_mib"] / 1024
print(f"| {sys.argv[2]} | {rate:.2f} | {peak:.1f} |")' "$stats" "${policy%%|*}"
done
