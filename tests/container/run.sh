#!/usr/bin/env bash
#! The container image, built and run for real (CI runs this after the cargo tests, which built
#! target/debug). It makes a Debian base image with debootstrap (no registry is reachable), builds
#! mlpipe-base on it (scripts/build-image.sh) and a user's image from docker/plugin.Dockerfile with
#! the news20 plugin, then runs SageMaker's jobs in that image with buildah (`--isolation chroot`;
#! the entry point is read from the image), each in a fresh container with a scratch folder laid
#! out as SageMaker lays out /opt/ml mounted at /opt/ml:
#!   1. processing jobs `reconcile` and `prepare` on a slice of the 20 Newsgroups corpus;
#!   2. the training job `train` with a hyperparameter override; its model comes back as SageMaker
#!      returns it (model.tar.gz, unpacked into the run folder); a processing job `infer` scores
#!      it, and Python's torch.jit.load of the exported model.pt predicts what the runner predicted;
#!   3. a bad hyperparameter: the one-line error in /opt/ml/output/failure, a non-zero exit;
#!   4. a training job killed after a mid-epoch checkpoint and restarted on the same checkpoints/
#!      ends with the uninterrupted job's metrics and weights, byte for byte.
#! Needs root, buildah and debootstrap (scripts/setup.sh installs them); fails when they are missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
python=.venv/bin/python
plugin=target/debug/libmlpipe_plugin_news20.so
corpus="${MLPIPE_NEWS20_TAR:-$root/../shared/data/20news-bydate.tar.gz}"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
image="localhost/mlpipe-news20:test"

say() { echo "container-test: $*"; }
fail() { echo "container-test: FAILED: $*" >&2; exit 1; }
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/setup.sh installs it with apt as root)"
done
[ -f "$plugin" ] || fail "$plugin is missing: build the workspace first (cargo build --workspace)"
[ -x target/debug/runner ] || fail "target/debug/runner is missing: build the workspace first (cargo build --workspace)"
[ -f "$corpus" ] || fail "no corpus at $corpus"

work="$(mktemp -d "${TMPDIR:-/tmp}/mlpipe-container.XXXXXX")"
cleanup() {
  # Every container of the test image, the killed job's (made in a subshell) included.
  buildah containers --quiet --filter "ancestor=$image" 2>/dev/null | xargs -r buildah rm >/dev/null 2>&1 || true
  buildah rmi "$image" >/dev/null 2>&1 || true
  # The test's mlpipe-base stands on the debootstrap base, not the public one: it is not left
  # behind as if build-image.sh had made it (and its 4 GB go back to the tests that follow).
  buildah rmi "mlpipe-base:$version" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- the images ----------------------------------------------------------------------------
# Building needs about 7.3 GB of free disk (scripts/build-image.sh says why); without it buildah
# fails late, in the middle of a commit, with a message that does not say how much was missing.
free_mb="$(df --output=avail -B1M "$root/target" | tail -n1 | tr -d ' ')"
containers_free_mb="$(df --output=avail -B1M /var/lib 2>/dev/null | tail -n1 | tr -d ' ')"
[ "${containers_free_mb:-$free_mb}" -lt "$free_mb" ] && free_mb="$containers_free_mb"
[ "$free_mb" -ge 8000 ] || fail "building the image needs 8 GB of free disk; $free_mb MB are free"
start=$(date +%s)
base="$(bash scripts/debootstrap-base.sh | tail -n1)"
bash scripts/build-image.sh --profile dev --prebuilt --base "$base"
mkdir -p "$work/plugin-context"
cp "$plugin" "$work/plugin-context/libmyexp.so"
buildah bud --isolation chroot --format docker --quiet -f docker/plugin.Dockerfile -t "$image" "$work/plugin-context" >/dev/null
say "images built in $(( $(date +%s) - start )) s: mlpipe-base:$version $(buildah images --format '{{.Size}}' "mlpipe-base:$version"), $image $(buildah images --format '{{.Size}}' "$image")"
mapfile -t entrypoint < <(buildah inspect --type image "$image" \
  | "$python" -c 'import json, sys; print("\n".join(json.load(sys.stdin)["Docker"]["config"]["Entrypoint"]))')
[ "${entrypoint[*]}" = "runner --plugin /opt/mlpipe/plugin.so --container" ] || fail "unexpected entry point: ${entrypoint[*]}"

# One SageMaker job: a fresh container of the image, the job's folder as /opt/ml, the image's
# entry point with SageMaker's arguments. `job <folder> <args>`; its output goes to <folder>.log.
job() {
  local ml="$1"; shift
  local container
  container="$(buildah from --quiet "$image")"
  buildah run --isolation chroot -v "$ml:/opt/ml" "$container" -- "${entrypoint[@]}" "$@" >"$ml.log" 2>&1
}

# --- 1. processing jobs: reconcile and prepare ------------------------------------------------
processing="$work/processing"
mkdir -p "$processing/processing/input/config" "$processing/processing/input/corpus"
# The slice: the first 100 training and 15 test posts of every label, as the corpus lays them out.
posts="$("$python" scripts/news20_slice.py "$corpus" "$processing/processing/input/corpus/slice.tar.gz" 100 15)"
say "corpus slice of $posts posts"
cat >"$processing/processing/input/config/settings.ini" <<'INI'
[experiment]
name = news20-image
root = /opt/ml/processing/experiments
model_names = bow
seed = 42

[data]
source = /opt/ml/processing/input/corpus/slice.tar.gz
validation_fraction = 0.1

[training]
epochs = 2
batch_size = 32
learning_rate = 3e-2
num_threads = 2
checkpoint_every_steps = 5

[plugin]
bow_buckets = 65536
bow_dim = 32
INI
job "$processing" reconcile || { cat "$processing.log"; fail "reconcile job"; }
job "$processing" prepare || { cat "$processing.log"; fail "prepare job"; }
exp="$processing/processing/experiments/news20-image"
[ -f "$exp/data/prepared/test.parquet" ] || { ls -R "$exp/data"; fail "prepare wrote no test split"; }
say "1. reconcile and prepare ran as processing jobs in the image"

# --- 2. the training job, its model.tar.gz, infer, Python ---------------------------------------
# /opt/ml of a training job as SageMaker lays it out: config files, the `config` and `data`
# channels (the run's settings snapshot and the experiment's data folder), empty checkpoints/.
training_folder() {
  local ml="$1" hyperparameters="$2"
  mkdir -p "$ml/input/config" "$ml/input/data/config" "$ml/input/data/data" "$ml/checkpoints" "$ml/model" "$ml/output"
  echo "$hyperparameters" >"$ml/input/config/hyperparameters.json"
  echo '{"current_host": "algo-1", "hosts": ["algo-1"], "network_interface_name": "eth0"}' >"$ml/input/config/resourceconfig.json"
  cp "$processing/processing/input/config/settings.ini" "$ml/input/data/config/settings.ini"
  cp -r "$exp/data/." "$ml/input/data/data/"
}
hyperparameters='{"mlpipe.model": "bow", "mlpipe.run": "1", "training.epochs": "3"}'
whole="$work/train-whole"
training_folder "$whole" "$hyperparameters"
job "$whole" train || { cat "$whole.log"; fail "training job"; }
epochs="$("$python" -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["history"]))' "$whole/model/statistics.json")"
[ "$epochs" = 3 ] || fail "the hyperparameter training.epochs=3 did not apply ($epochs epochs)"
# SageMaker uploads /opt/ml/model as model.tar.gz; the host unpacks it into the run's model folder.
tar -czf "$work/model.tar.gz" -C "$whole/model" .
run="$exp/runs/1"
mkdir -p "$run/training/bow"
tar -xzf "$work/model.tar.gz" -C "$run/training/bow"
cp "$run/training/bow/settings.ini" "$run/settings.ini"
cp "$run/training/bow/manifest.toml" "$run/manifest.toml"
job "$processing" infer --run 1 || { cat "$processing.log"; fail "infer job"; }
"$python" - "$run" "$exp/data/prepared/test.parquet" <<'PY' || fail "Python's predictions with model.pt differ from the runner's"
# model.pt in PyTorch, one post at a time (no padding), against the runner's predictions.parquet.
import json, sys
import numpy as np, pandas as pd, torch
run, parquet = sys.argv[1], sys.argv[2]
model = torch.jit.load(f"{run}/training/bow/model.pt").eval()
keys = json.load(open(f"{run}/training/bow/input_keys.json"))
prepared = pd.read_parquet(parquet).set_index("id")
ours = pd.read_parquet(f"{run}/inference/bow/predictions.parquet")
with torch.no_grad():
    probabilities = np.stack([
        torch.softmax(model(*(torch.tensor([list(prepared.at[i, key])], dtype=torch.int64) for key in keys)), -1)[0].numpy()
        for i in ours["id"]])
runner_probabilities = np.stack(ours["probabilities"].to_numpy())
assert (probabilities.argmax(1) == ours["predicted"].to_numpy()).all(), "predicted labels differ"
gap = np.abs(probabilities - runner_probabilities).max()
assert gap < 1e-5, f"probabilities differ by {gap}"
accuracy = (ours["predicted"] == ours["label"]).mean()
summary = json.load(open(f"{run}/inference/bow/summary.json"))
assert abs(summary["accuracy"] - accuracy) < 1e-12, (summary["accuracy"], accuracy)
print(f"container-test: {len(ours)} test posts: Python's model.pt predictions equal the runner's "
      f"(probabilities within {gap:.1e}); accuracy {accuracy:.4f}")
PY
say "2. train with training.epochs=3 in the image, model.tar.gz back into runs/1, infer in the image; model.pt scores alike in Python"

# --- 3. a bad hyperparameter ------------------------------------------------------------------
bad="$work/train-bad"
training_folder "$bad" '{"mlpipe.model": "bow", "training.epochs": "zero"}'
if job "$bad" train; then fail "a bad hyperparameter did not fail the job"; fi
failure="$(cat "$bad/output/failure")"
[ "$(wc -l <"$bad/output/failure")" -le 1 ] || fail "failure file has more than one line: $failure"
case "$failure" in
  *hyperparameters.json*training.epochs*zero*) ;;
  *) fail "failure file does not name the file, key and value: $failure" ;;
esac
grep -qxF "error: $failure" "$bad.log" || fail "the job's error line differs from the failure file"
say "3. bad hyperparameter: exit non-zero, output/failure says: $failure"

# --- 4. a killed training job restarts on its checkpoints -------------------------------------
spot="$work/train-spot"
training_folder "$spot" "$hyperparameters"
state="$spot/checkpoints/experiments/news20-image/runs/1/training/bow/checkpoints/state.toml"
mid_epoch() { [ -f "$state" ] && grep -qE '^epoch = [1-9]' "$state" && grep -qE '^batch = [1-9]' "$state"; }
setsid bash -c "$(declare -f job); image=$image; entrypoint=(${entrypoint[*]}); job $spot train" &
group=$!
deadline=$(( $(date +%s) + 300 ))
until mid_epoch; do
  kill -0 "$group" 2>/dev/null || { cat "$spot.log"; fail "the job ended before a mid-epoch checkpoint"; }
  [ "$(date +%s)" -lt "$deadline" ] || fail "no mid-epoch checkpoint after the first epoch within 300 s"
  sleep 0.05
done
# Freeze, make sure the checkpoint on disk is still a mid-epoch one, then kill as a reclaimed
# spot instance would.
kill -STOP -- "-$group"
mid_epoch || fail "the checkpoint changed while freezing"
kill -KILL -- "-$group"
wait "$group" 2>/dev/null || true  # bash reports the kill ("Killed"): that is this kill
[ ! -f "$spot/model/statistics.json" ] || fail "the job finished before it was killed"
job "$spot" train || { cat "$spot.log"; fail "restarted training job"; }
grep -qE 'resumed at epoch [0-9]+ step [0-9]+ \(batch [1-9]' "$spot.log" || { cat "$spot.log"; fail "the restarted job did not resume"; }
cmp "$spot/model/weights.safetensors" "$whole/model/weights.safetensors" || fail "restarted job's weights differ"
diff <(grep -v samples_per_second "$spot/model/metrics.jsonl") <(grep -v samples_per_second "$whole/model/metrics.jsonl") \
  || fail "restarted job's metrics differ"
say "4. killed after a mid-epoch checkpoint, restarted: $(grep -oE 'resumed at epoch [0-9]+ step [0-9]+ \(batch [0-9]+[^)]*\)' "$spot.log"); weights and metrics identical"
say "all passed in $(( $(date +%s) - start )) s"
