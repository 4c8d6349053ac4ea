"""The MiniLM benchmark: mlpipe against the Hugging Face reference pipeline, same machine, same
documents, one command (`bash bench/minilm.sh [options]`, which builds first and then runs this).

In order, each step a child process whose wall time and peak RSS (`os.wait4`) are measured:
1. `bench/matmul_peak.py`: libtorch's float32 and bfloat16 matmul peak, the yardstick for FLOP/s;
2. mlpipe on a fresh experiment (model `minilm`) under `<out>/experiments`: `runner reconcile`,
   `prepare` (phase tokenise), `train` (phase train), `infer` (phase infer);
3. `bench/reference.py tokenise|train|infer` on the documents and splits mlpipe just wrote;
4. `bench/tfidf_baseline.py` on the same splits, for the quality table.
It prints a markdown table (bench/results_table.py renders it) and writes `<out>/results.json` and
`<out>/results.md`. Relative paths are taken from the current folder (minilm.sh runs from the
repository root). The numbers are only comparable when nothing else runs on the machine.
"""
import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

# Standard library and small local modules only: see `measure` for why this process stays small.
from checkpoint import minilm_config
from results_table import render, training_flops

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
RUNNER = REPO / "target" / "release" / "runner"
PLUGIN = REPO / "target" / "release" / "libmlpipe_plugin_news20.so"
CORPUS = REPO.parent / "shared" / "data" / "20news-bydate.tar.gz"
MODEL = "minilm"
SPLITS = ("train", "validation", "test")
SEED = 42


def main() -> None:
    args = parse_args()
    check_inputs()
    name = "bench-minilm-" + datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = args.out.resolve()
    experiment = out / "experiments" / name
    logs = out / "logs" / name
    logs.mkdir(parents=True, exist_ok=True)
    env = child_environment(args.threads)
    print(f"bench: experiment {experiment}, logs in {logs}", flush=True)
    peak_command = [sys.executable, BENCH / "matmul_peak.py", "--threads", args.threads]
    peak = json.loads(measure("matmul-peak", peak_command, logs, env).stdout)
    mlpipe = run_mlpipe(args, out, name, experiment, logs, env)
    reference = run_reference(args, experiment, out / "reference" / name, logs, env)
    check_same_documents(mlpipe["tokenise"]["per_split"], reference["tokenise"]["inner"]["per_split"])
    tfidf_json = logs / "tfidf.json"
    measure("tfidf", [sys.executable, BENCH / "tfidf_baseline.py", experiment, "--json", tfidf_json], logs, env)
    results = {
        "experiment": str(experiment),
        "command": "bash bench/minilm.sh " + " ".join(sys.argv[1:]),
        "machine": machine(args.threads, peak["torch"]),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "matmul_peak": peak,
        "mlpipe": mlpipe,
        "reference": reference,
        "training_flops": training_flops(minilm_config(), mlpipe["train"], reference["train"], peak, args.precision),
        "tfidf": json.loads(tfidf_json.read_text()),
    }
    write_atomically(out / "results.json", json.dumps(results, indent=2) + "\n")
    table = render(results)
    write_atomically(out / "results.md", table)
    print(table)
    print(f"bench: wrote {out / 'results.json'} and {out / 'results.md'}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=positive, default=30, help="training steps (default 30)")
    parser.add_argument("--batch-size", type=positive, default=32, help="rows per step (default 32)")
    parser.add_argument("--max-length", type=positive, default=256, help="tokens per document (default 256)")
    parser.add_argument("--learning-rate", type=float, default=5e-5, help="peak AdamW rate (default 5e-5)")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="bf16",
                        help="training autocast on both sides (default bf16)")
    parser.add_argument("--infer-docs", type=non_negative, default=1000,
                        help="test documents the reference classifies (default 1000; 0: the whole test split)")
    cores = len(os.sched_getaffinity(0))  # the cores this process may use, unlike os.cpu_count()
    parser.add_argument("--threads", type=positive, default=cores,
                        help=f"torch intra-op threads on both sides (default: all {cores} usable cores)")
    parser.add_argument("--out", type=Path, default=Path("target/bench/minilm"),
                        help="output folder (default target/bench/minilm)")
    return parser.parse_args()


def positive(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def non_negative(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


def check_inputs() -> None:
    """Fails early, naming what is missing and how to get it."""
    for path, how in [(RUNNER, "cargo build --release -p mlpipe-runner"),
                      (PLUGIN, "cargo build --release -p mlpipe-plugin-news20"),
                      (CORPUS, "the 20news-bydate corpus is expected next to the repository, in ../shared/data")]:
        if not path.is_file():
            raise SystemExit(f"error: {path} is missing ({how})")


def child_environment(threads: int) -> dict:
    """The environment of every child: offline Hugging Face libraries, the same thread count for
    OpenMP/MKL (libtorch) and rayon (the tokenizers) on both sides."""
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
        env[variable] = str(threads)
    return env


@dataclass
class Measured:
    """A finished child process: wall seconds, peak resident memory and its stdout."""

    wall_seconds: float
    peak_rss_mib: float
    stdout: str


def measure(name: str, argv: list, logs: Path, env: dict) -> Measured:
    """Runs one child with stdout and stderr in `logs/<name>.{out,err}`; exits if it fails.

    Linux carries a process's peak RSS across exec, and a child starts out with its parent's
    memory: the child's ru_maxrss is at least this process's peak RSS. So this process imports
    nothing large (no torch, pandas or pyarrow), and stays at a few tens of MiB.
    """
    argv = [str(a) for a in argv]
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    print(f"bench: {name}: {' '.join(argv)}", flush=True)
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=REPO)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
    if child.returncode != 0:
        sys.stderr.write("".join(err_path.read_text().splitlines(keepends=True)[-40:]))
        raise SystemExit(f"error: {name} failed with exit status {child.returncode} (full log: {err_path})")
    # ru_maxrss is in KiB on Linux.
    return Measured(wall, usage.ru_maxrss / 1024, out_path.read_text())


def write_settings(path: Path, args: argparse.Namespace, root: Path, name: str) -> None:
    """The mlpipe experiment: one `minilm` model, the benchmark's training options."""
    training = {
        "# Raised with --set on the train command when --steps needs more than one epoch.\nepochs": 1,
        "warmup_ratio": 0,
        "max_steps": args.steps,
        "save_checkpoints": "false",
    }
    path.write_text(settings_text("bench/minilm.py", name, root, args, training))


def settings_text(script: str, name: str, root: Path, args: argparse.Namespace, training: dict) -> str:
    """A one-model (`minilm`) settings.ini: the options every benchmark shares (`args.threads`,
    `batch_size`, `learning_rate`, `precision`, `max_length`) plus the `training` keys in order."""
    fixed = {
        "batch_size": args.batch_size,
        "max_device_batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "weight_decay": 0.01,
        "max_grad_norm": 1.0,
        "mixed_precision": "bf16" if args.precision == "bf16" else "no",
        "num_threads": args.threads,
    }
    keys = list(training.items())
    # The first given key leads (epochs), the fixed ones follow, the rest close the section.
    lines = [f"{k} = {v}" for k, v in keys[:1] + list(fixed.items()) + keys[1:]]
    return f"""# Written by {script} for experiment {name}: its options set the values below.
[experiment]
name = {name}
root = {root}
model_names = {MODEL}
seed = {SEED}

[data]
source = {CORPUS}
validation_fraction = 0.1
num_workers = {args.threads}

[training]
""" + "\n".join(lines) + f"""

[plugin]
minilm_max_length = {args.max_length}
"""


def run_mlpipe(args: argparse.Namespace, out: Path, name: str, experiment: Path, logs: Path, env: dict) -> dict:
    """reconcile, prepare, train and infer as four runner processes; returns the three phases."""
    settings = out / "settings.ini"
    write_settings(settings, args, out / "experiments", name)
    runner = [RUNNER, "--plugin", PLUGIN, settings, "-q"]
    measure("mlpipe-reconcile", runner + ["reconcile"], logs, env)
    prepare = measure("mlpipe-prepare", runner + ["prepare"], logs, env)
    rows = prepared_rows(experiment)
    # One epoch unless --steps needs more (the run stops at max_steps either way).
    epochs = math.ceil(args.steps / math.ceil(rows["train"] / args.batch_size))
    train = measure("mlpipe-train", runner + ["train", "--set", f"training.epochs={epochs}"], logs, env)
    run = trained_run(train.stdout)
    stats = read_json(experiment / "runs" / run / "training" / MODEL / "statistics.json")
    infer = measure("mlpipe-infer", runner + ["infer", "--run", run], logs, env)
    summary = read_json(experiment / "runs" / run / "inference" / MODEL / "summary.json")
    docs = sum(rows.values())
    return {
        "run": int(run),
        "tokenise": phase(prepare, docs, "docs", docs / prepare.wall_seconds, per_split=rows),
        "train": train_phase(train, stats, epochs),
        "infer": phase(infer, summary["examples"], "docs", summary["docs_per_second"],
                       accuracy=summary["accuracy"], macro_f1=summary["macro_f1"]),
    }


def prepared_rows(experiment: Path) -> dict:
    """Rows per prepared split file as mlpipe's manifest records them (the reference's tokenise
    counts the Parquet rows itself; `check_same_documents` compares the two)."""
    manifest = tomllib.loads((experiment / "data" / "prepared" / "manifest.toml").read_text())
    return {split: manifest["files"][split]["rows"] for split in SPLITS}


def train_phase(child: Measured, stats: dict, epochs: int) -> dict:
    """The train phase from the process and its statistics.json (which has no sample count, but
    its rate is samples / train_seconds)."""
    samples = round(stats["samples_per_second"] * stats["train_seconds"])
    summary = {k: v for k, v in stats.items() if k not in ("labels", "history")}
    return phase(child, samples, "samples", stats["samples_per_second"], steps=stats["steps"], epochs=epochs,
                 train_seconds=stats["train_seconds"], real_tokens=stats["real_tokens"],
                 padded_tokens=stats["padded_tokens"], statistics=summary)


def trained_run(stdout: str) -> str:
    """The run number from the runner's `train: run <n> finished: ...` line."""
    found = re.search(r"^train: run (\d+) finished", stdout, re.MULTILINE)
    if not found:
        raise SystemExit(f"error: the runner's train output names no run:\n{stdout}")
    return found.group(1)


def run_reference(args: argparse.Namespace, experiment: Path, work: Path, logs: Path, env: dict) -> dict:
    """bench/reference.py's three phases, each its own process, on mlpipe's documents."""
    common = ["--experiment", experiment, "--work", work, "--threads", args.threads, "--max-length", args.max_length]
    options = {
        "tokenise": [],
        "train": ["--steps", args.steps, "--batch-size", args.batch_size, "--learning-rate", args.learning_rate,
                  "--precision", args.precision],
        "infer": ["--infer-docs", args.infer_docs],
    }
    phases = {}
    for name, extra in options.items():
        child = measure(f"reference-{name}", [sys.executable, BENCH / "reference.py", name] + common + extra, logs, env)
        inner = read_json(work / f"{name}.json")
        # Tokenise is rated on the whole process on both sides; train and infer on their timed loops.
        rate = inner["items"] / child.wall_seconds if name == "tokenise" else inner["rate"]
        phases[name] = phase(child, inner["items"], inner["unit"], rate, inner=inner)
    return phases


def check_same_documents(mlpipe_rows: dict, reference_rows: dict) -> None:
    """Both sides must have tokenised the same documents per split."""
    if mlpipe_rows != reference_rows:
        raise SystemExit(f"error: mlpipe prepared {mlpipe_rows} documents but the reference read {reference_rows}")


def phase(child: Measured, items: int, unit: str, rate: float, **extra) -> dict:
    """One side's numbers for one phase, as results.json stores them."""
    return {"items": items, "unit": unit, "rate": rate, "wall_seconds": child.wall_seconds,
            "peak_rss_mib": child.peak_rss_mib, **extra}


def read_json(path: Path) -> dict:
    """A JSON file a child was expected to write; exits naming it when it is missing."""
    if not path.is_file():
        raise SystemExit(f"error: {path} was not written")
    return json.loads(path.read_text())


def machine(threads: int, torch_version: str) -> dict:
    """Date, CPU model (with the instruction sets that matter for bf16), threads, library versions."""
    from importlib.metadata import version

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"^model name\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    flags = re.search(r"^flags\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
    wanted = [f for f in ("avx512f", "avx512_bf16", "amx_bf16") if flags and f in flags.group(1).split()]
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": (model.group(1) if model else "unknown") + (f" ({', '.join(wanted)})" if wanted else ""),
        "cores": len(os.sched_getaffinity(0)),
        "threads": threads,
        "torch": torch_version,
        "transformers": version("transformers"),
        "accelerate": version("accelerate"),
        "datasets": version("datasets"),
        "tokenizers": version("tokenizers"),
    }


def write_atomically(path: Path, text: str) -> None:
    """Writes a temporary file beside `path` and renames it over, so a failed run leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as out:
        out.write(text)
    os.replace(out.name, path)


if __name__ == "__main__":
    main()
