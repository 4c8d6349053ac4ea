#!/usr/bin/env bash
#! The GPU smoke test: five checks on one CUDA GPU, one summary line each, in a few minutes once
#! the workspace is built (it builds the release runner and news20 plugin first if needed, which
#! is not part of that time). It fails, never skips, on a machine without a usable GPU.
#!   1. setup:       nvidia-smi sees a GPU, and the virtualenv's torch==2.11.0 sees CUDA
#!   2. bow-cuda:    news20 `bow`, 1 epoch on a corpus slice, device = cuda, bf16
#!   3. nccl:        the same with use_distributed = true: one NCCL process on the GPU
#!   4. minilm:      a few `minilm` steps (20) on CUDA in bf16
#!   5. infer-cuda:  `infer` of check 2's run on CUDA
#!
#!   bash scripts/gpu-smoke.sh        (after scripts/setup.sh; logs under target/gpu-smoke/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python=.venv/bin/python
corpus="${MLPIPE_NEWS20_TAR:-$root/../shared/data/20news-bydate.tar.gz}"
logs=target/gpu-smoke
rm -rf "$logs"
mkdir -p "$logs"
pass() { printf 'gpu-smoke: %-11s ok    %s\n' "$1" "$2"; }
fail() { printf 'gpu-smoke: %-11s FAIL  %s\n' "$1" "$2" >&2; exit 1; }
started=$(date +%s)

# --- 1. setup -----------------------------------------------------------------------------------
command -v nvidia-smi >/dev/null || fail setup "no nvidia-smi: this machine has no NVIDIA driver, so no GPU to test"
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -n1)" \
  || fail setup "nvidia-smi failed: $gpu"
[ -x "$python" ] || fail setup "no $python: run scripts/setup.sh"
torch_cuda="$("$python" -c 'import torch; assert torch.cuda.is_available(), "torch sees no CUDA device"; print(torch.__version__, torch.cuda.get_device_name(0))' 2>&1)" \
  || fail setup "torch: ${torch_cuda##*$'\n'}"
[ -f "$corpus" ] || fail setup "no corpus at $corpus"
pass setup "$gpu; torch $torch_cuda"

if [ ! -x target/release/runner ] || [ ! -f target/release/libmlpipe_plugin_news20.so ]; then
  cargo build --release --locked -p mlpipe-runner -p mlpipe-plugin-news20 >"$logs/build.log" 2>&1 \
    || { tail -n 20 "$logs/build.log" >&2; fail setup "cargo build failed (log: $logs/build.log)"; }
fi
runner=(target/release/runner --plugin target/release/libmlpipe_plugin_news20.so)
check_start=$(date +%s)
lap() { lap_s="$(( $(date +%s) - check_start )) s"; check_start=$(date +%s); }

work="$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-gpu-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT
"$python" scripts/news20_slice.py "$corpus" "$work/slice.tar.gz" 200 20 >/dev/null
settings() { # settings <name> <model_names> <batch_size> <learning_rate> <extra training lines>
  cat >"$work/$1.ini" <<INI
[experiment]
name = $1
root = $work/experiments
model_names = $2
seed = 42

[data]
source = $work/slice.tar.gz
validation_fraction = 0.1

[training]
epochs = 1
batch_size = $3
learning_rate = $4
device = cuda
mixed_precision = bf16
$5

[plugin]
minilm_max_length = 128
INI
  echo "$work/$1.ini"
}
value() { sed -n "s/^$2 = \"\{0,1\}\([^\"]*\)\"\{0,1\}$/\1/p" "$1" | head -n1; }

# --- 2. bow on CUDA in bf16 --------------------------------------------------------------------
ini="$(settings bow bow 64 1e-2 "")"
"${runner[@]}" "$ini" reconcile prepare train >"$logs/bow.log" 2>&1 || { tail -n 5 "$logs/bow.log" >&2; fail bow-cuda "see $logs/bow.log"; }
best="$(value "$work/experiments/bow/runs/1/manifest.toml" best_value)"
lap
pass bow-cuda "1 epoch, validation macro-F1 $best, $lap_s"

# --- 3. NCCL on one GPU ---------------------------------------------------------------------------
"${runner[@]}" "$ini" train --set training.use_distributed=true --set training.num_processes=1 >"$logs/nccl.log" 2>&1 \
  || { tail -n 5 "$logs/nccl.log" >&2; fail nccl "see $logs/nccl.log"; }
manifest="$work/experiments/bow/runs/2/manifest.toml"
[ "$(value "$manifest" dist_backend)" = nccl ] || fail nccl "dist_backend is '$(value "$manifest" dist_backend)', not nccl"
lap
pass nccl "world_size $(value "$manifest" world_size), backend $(value "$manifest" dist_backend), macro-F1 $(value "$manifest" best_value), $lap_s"

# --- 4. a few minilm steps ------------------------------------------------------------------------
ini_minilm="$(settings minilm minilm 32 1e-4 "max_steps = 20")"
"${runner[@]}" "$ini_minilm" reconcile prepare train >"$logs/minilm.log" 2>&1 \
  || { tail -n 5 "$logs/minilm.log" >&2; fail minilm "see $logs/minilm.log"; }
steps="$("$python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["steps"])' "$work/experiments/minilm/runs/1/training/minilm/statistics.json")"
lap
pass minilm "$steps steps on CUDA in bf16, $lap_s"

# --- 5. infer on CUDA -----------------------------------------------------------------------------
"${runner[@]}" "$ini" infer --run 1 >"$logs/infer.log" 2>&1 || { tail -n 5 "$logs/infer.log" >&2; fail infer-cuda "see $logs/infer.log"; }
accuracy="$("$python" -c 'import json, sys; s = json.load(open(sys.argv[1])); print("%.4f on %d posts" % (s["accuracy"], s["examples"]))' "$work/experiments/bow/runs/1/inference/bow/summary.json")"
lap
pass infer-cuda "test accuracy $accuracy, $lap_s"
echo "gpu-smoke: all 5 checks passed in $(( $(date +%s) - started )) s"
