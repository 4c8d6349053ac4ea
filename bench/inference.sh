#!/usr/bin/env bash
#! Inference benchmark on the news20 test split (7,532 documents): re-runs mlpipe's `infer` on the
#! newest run of the demo experiment (run scripts/demo.sh first), then the same TorchScript files
#! in Python PyTorch one document at a time and batched, in the same command, and prints ratios.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
settings=example-plugins/news20/settings.ini
plugin=target/release/libmlpipe_plugin_news20.so
cargo build --release -q -p mlpipe-runner -p mlpipe-plugin-news20
exp=experiments/EXP-0001-news20
run=$(ls "$exp/runs" | sort -n | tail -1)
target/release/runner -q --plugin "$plugin" "$settings" infer --run "$run"
for model in bow bow_unigram; do
  .venv/bin/python bench/inference.py "$exp/runs/$run" "$model" "$exp/data/prepared/test.parquet"
done
