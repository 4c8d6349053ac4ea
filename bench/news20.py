"""The recipe table: test scores and training minutes of every model of a news20 comparison run
(`minilm`, `bow`, the `ensemble`) beside TF-IDF + LinearSVC on the same splits, written to
`bench/results/news20.json` and printed as the README's markdown table. One command
(`bash bench/news20.sh [options]`, which builds first and then runs this).

By default it runs the whole pipeline (`runner all`) of example-plugins/news20/minilm.ini, the best
recipe found, into a fresh experiment root under --out, then reads what the run wrote:
- `runs/<n>/manifest.toml`: each model's `train_seconds` and best validation score;
- `runs/<n>/inference/<model>/summary.json`: each model's test accuracy and macro-F1 (`runner infer`
  scores the best checkpoint; the ensemble is the mean of the members' probabilities);
and fits bench/tfidf_baseline.py's TF-IDF + LinearSVC on the run's own train split.

`--experiment DIR [--run N]` reads a run that already exists instead of training one (the README's
full-run command, for instance); the JSON then gives that run's start and finish time.
"""
import argparse
import datetime
import json
import os
import sys
import tomllib
from pathlib import Path

from minilm import (PLUGIN, RUNNER, check_inputs, child_environment, machine, measure, positive, read_json,
                    write_atomically)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SETTINGS = REPO / "example-plugins" / "news20" / "minilm.ini"
DEFAULT_JSON = REPO / "bench" / "results" / "news20.json"
ENSEMBLE = "ensemble"


def main() -> None:
    args = parse_args()
    if args.experiment:
        experiment, run = args.experiment.resolve(), args.run or latest_run(args.experiment)
        wall = None
    else:
        check_inputs()
        experiment, run, wall = run_pipeline(args)
    results = summarise(experiment, run, wall, args)
    write_atomically(args.json, json.dumps(results, indent=2) + "\n")
    print(render(results))
    print(f"news20: wrote {args.json}", file=sys.stderr)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--settings", type=Path, default=DEFAULT_SETTINGS,
                        help="the comparison job to run (default example-plugins/news20/minilm.ini)")
    parser.add_argument("--threads", type=positive, default=len(os.sched_getaffinity(0)),
                        help="torch and tokenizer threads (default: every core this process may use)")
    parser.add_argument("--out", type=Path, default=Path("target/bench/news20"),
                        help="where the fresh experiment root goes (default target/bench/news20)")
    parser.add_argument("--experiment", type=Path,
                        help="summarise this existing experiment folder instead of running the pipeline")
    parser.add_argument("--run", type=positive, help="with --experiment: the run number (default: the latest)")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help="the results file (default bench/results/news20.json)")
    args = parser.parse_args()
    if args.run and not args.experiment:
        parser.error("--run needs --experiment")
    return args


def run_pipeline(args: argparse.Namespace) -> tuple[Path, int, float]:
    """`runner all` on the settings, into a fresh root; returns the experiment, run and wall seconds."""
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    root = (args.out / stamp).resolve()
    logs = root / "logs"
    logs.mkdir(parents=True)
    argv = [RUNNER, "--plugin", PLUGIN, args.settings.resolve(), "--set", f"experiment.root={root}", "all"]
    child = measure("runner-all", argv, logs, child_environment(args.threads))
    experiments = [path for path in root.iterdir() if (path / "runs").is_dir()]
    if len(experiments) != 1:
        raise SystemExit(f"error: expected one experiment folder under {root}, found {len(experiments)}")
    return experiments[0], latest_run(experiments[0]), child.wall_seconds


def latest_run(experiment: Path) -> int:
    """The highest run number under `experiment/runs`; exits naming the folder when there is none."""
    runs = [int(path.name) for path in (experiment / "runs").glob("*") if path.name.isdigit()]
    if not runs:
        raise SystemExit(f"error: {experiment / 'runs'} holds no run")
    return max(runs)


def summarise(experiment: Path, run: int, wall: float | None, args: argparse.Namespace) -> dict:
    """The JSON record: per model test accuracy, macro-F1 and training minutes, plus TF-IDF's."""
    from tfidf_baseline import evaluate

    folder = experiment / "runs" / str(run)
    manifest = read_toml(folder / "manifest.toml")
    if manifest.get("status") != "finished":
        raise SystemExit(f"error: {folder / 'manifest.toml'}: status is {manifest.get('status')!r}, not 'finished'")
    models = {}
    for model in list(manifest["models"]) + ([ENSEMBLE] if (folder / "inference" / ENSEMBLE).is_dir() else []):
        summary = read_json(folder / "inference" / model / "summary.json")
        trained = manifest.get("results", {}).get(model)
        models[model] = {
            "test_accuracy": summary["accuracy"],
            "test_macro_f1": summary["macro_f1"],
            # The ensemble trains nothing: it averages its members' probabilities.
            "training_minutes": float(trained["train_seconds"]) / 60 if trained else 0.0,
            "best_validation": ({"metric": trained["objective"], "value": float(trained["best_value"]),
                                 "epoch": int(trained["best_epoch"])} if trained else None),
        }
    baseline = evaluate(experiment)
    models["tfidf_linear_svc"] = {
        "model": baseline["model"],
        "test_accuracy": baseline["accuracy"],
        "test_macro_f1": baseline["macro_f1"],
        "training_minutes": baseline["fit_seconds"] / 60,
        "best_validation": None,
    }
    from importlib.metadata import version

    this_machine = machine(args.threads, version("torch"))
    script = "bash bench/news20.sh" if wall is not None else "python bench/news20.py"
    return {
        "command": " ".join([script] + sys.argv[1:]),
        "date": this_machine["date"],
        "machine": this_machine,
        "experiment": str(experiment),
        "run": {"number": run, "job_type": manifest.get("job_type"), "started": manifest.get("started"),
                "finished": manifest.get("finished"), "plugin_sha256": manifest.get("plugin_sha256"),
                "settings": (folder / "settings.ini").read_text(), "pipeline_wall_minutes":
                wall / 60 if wall is not None else None},
        "split": {"test_documents": read_json(folder / "inference" / manifest["models"][0] / "summary.json")
                  ["examples"]},
        "models": models,
    }


def read_toml(path: Path) -> dict:
    if not path.is_file():
        raise SystemExit(f"error: {path} is missing")
    return tomllib.loads(path.read_text())


def render(results: dict) -> str:
    """The README's markdown table."""
    rows = ["| model | test accuracy | test macro-F1 | training minutes | best validation macro-F1 |",
            "|---|---:|---:|---:|---:|"]
    for name, model in results["models"].items():
        best = model["best_validation"]
        label = "TF-IDF + LinearSVC" if name == "tfidf_linear_svc" else f"`{name}`"
        minutes = "– (mean of the members)" if name == ENSEMBLE else f"{model['training_minutes']:.1f}"
        validation = f"{best['value']:.4f} (epoch {best['epoch']})" if best else "–"
        rows.append(f"| {label} | {model['test_accuracy']:.4f} | {model['test_macro_f1']:.4f} | {minutes} | "
                    f"{validation} |")
    m = results["machine"]
    head = (f"20 Newsgroups bydate, {results['split']['test_documents']} test documents; run "
            f"{results['run']['number']} of {results['experiment']} ({results['run']['started']} to "
            f"{results['run']['finished']}); CPU {m['cpu']}, {m['threads']} threads; summarised "
            f"{results['date']} by `{results['command']}`.\n\n")
    return head + "\n".join(rows) + "\n"


if __name__ == "__main__":
    main()
