"""The Python reference pipeline the MiniLM benchmark compares mlpipe with, written the way Hugging
Face users write it: `datasets.map` with the fast tokenizer, an Accelerate training loop in the shape
of transformers' `run_glue_no_trainer.py`, and a `torch.jit.trace`d model run one document at a time.

It reads the documents mlpipe used (`data/reconciled/records.parquet` for the text, the split files
`data/prepared/*.parquet` for which document is in which split) of an mlpipe experiment folder.
Each phase is its own process, so that bench/minilm.py can measure its wall time and peak memory:

    python bench/reference.py tokenise --experiment EXP --work DIR [--max-length 256]
    python bench/reference.py train    --experiment EXP --work DIR [--steps 30 --batch-size 32 ...]
    python bench/reference.py infer    --experiment EXP --work DIR [--infer-docs 1000 ...]
    python bench/reference.py finetune --experiment EXP --work DIR [--epochs 2 --eval-every 80 ...]

`tokenise` saves the tokenised train split under DIR for `train`, which saves the fine-tuned model
under DIR for `infer`. `finetune` (bench/time_to_quality.py) also starts from `tokenise`'s train
split and runs whole epochs, scoring the validation split as it goes. Every phase writes its numbers to DIR/<phase>.json and prints them; its rate
(`rate`, in docs/s or samples/s) covers the timed work named in `timed`, not imports or loading.
"""
import argparse
import json
import os
import time
from pathlib import Path

# Every phase needs torch; the other libraries are imported inside the phase that uses them, so
# that each phase's process pays only for its own imports.
import torch

from checkpoint import minilm_dir
from experiment_data import load_labels, load_splits

SEED = 42
WEIGHT_DECAY = 0.01
MAX_GRAD_NORM = 1.0
# TorchScript's profiling executor optimises a traced graph during its first calls; a serving
# process is past them, so infer makes them before the clock starts.
WARM_UP_CALLS = 2


def main() -> None:
    args = parse_args()
    result = PHASES[args.phase](args)
    result = {"phase": args.phase, "threads": args.threads, **result}
    text = json.dumps(result, indent=2)
    (args.work / f"{args.phase}.json").write_text(text + "\n")
    print(text)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("phase", choices=sorted(PHASES))
    parser.add_argument("--experiment", type=Path, required=True, help="the mlpipe experiment folder")
    parser.add_argument("--work", type=Path, required=True, help="where phases hand files to each other")
    parser.add_argument("--max-length", type=int, default=256, help="tokens per document (padded and truncated)")
    parser.add_argument("--steps", type=int, default=30, help="training steps")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="bf16", help="training autocast")
    parser.add_argument("--infer-docs", type=int, default=1000, help="test documents to classify (0: all)")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--epochs", type=int, default=2, help="finetune: passes over the train split")
    parser.add_argument("--warmup-ratio", type=float, default=0.0, help="finetune: share of steps warming up")
    parser.add_argument("--eval-every", type=int, default=0,
                        help="finetune: score the validation split every this many steps (0: per epoch only)")
    parser.add_argument("--max-steps", type=int, default=0, help="finetune: stop after this many steps (0: none)")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    return args


def set_threads(threads: int) -> None:
    """Sets torch's intra-op thread count (0 keeps torch's default)."""
    if threads > 0:
        torch.set_num_threads(threads)


def tokenise(args: argparse.Namespace) -> dict:
    """Tokenises every document of every split with `datasets.map`; saves the train split."""
    from datasets import Dataset, DatasetDict
    from transformers import AutoTokenizer

    set_threads(args.threads)
    splits = load_splits(args.experiment)
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
    started = time.perf_counter()
    dataset = DatasetDict({name: Dataset.from_pandas(frame, preserve_index=False) for name, frame in splits.items()})
    encoded = dataset.map(
        lambda batch: tokenizer(batch["text"], padding="max_length", truncation=True, max_length=args.max_length),
        batched=True,
    )
    seconds = time.perf_counter() - started
    train = encoded["train"].remove_columns(["id", "text"]).rename_column("label", "labels")
    train.save_to_disk(str(args.work / "tokenised-train"))
    docs = sum(len(frame) for frame in splits.values())
    return {
        "items": docs,
        "unit": "docs",
        "per_split": {name: len(frame) for name, frame in splits.items()},
        "max_length": args.max_length,
        "timed": "Dataset.from_pandas + map over all splits",
        "seconds": seconds,
        "rate": docs / seconds,
    }


def train(args: argparse.Namespace) -> dict:
    """Fine-tunes MiniLM for exactly `--steps` optimiser steps; saves the model for `infer`."""
    from transformers import get_linear_schedule_with_warmup

    accelerator, loader, model, optimizer = start_training(args)
    scheduler = get_linear_schedule_with_warmup(optimizer, num_warmup_steps=0, num_training_steps=args.steps)
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    model.train()
    started = time.perf_counter()
    history = run_steps(model, optimizer, scheduler, loader, accelerator, args.steps)
    seconds = time.perf_counter() - started
    accelerator.unwrap_model(model).save_pretrained(str(args.work / "model"))
    samples = sum(step["rows"] for step in history)
    return {
        "items": samples,
        "unit": "samples",
        "steps": args.steps,
        "batch_size": args.batch_size,
        "max_length": args.max_length,
        "tokens": samples * args.max_length,
        "precision": args.precision,
        "timed": "the training loop (data loading, forward, backward, clipping, optimiser step)",
        "seconds": seconds,
        "rate": samples / seconds,
        "history": history,
    }


def start_training(args: argparse.Namespace, before_model=lambda: None):
    """What `train` and `finetune` set up alike, in this order: threads, seed, the Accelerator,
    the shuffled loader of `tokenise`'s train split, `before_model()`, MiniLM with a fresh head,
    AdamW. Returns (accelerator, loader, model, optimizer)."""
    from accelerate import Accelerator
    from accelerate.utils import set_seed
    from datasets import load_from_disk

    set_threads(args.threads)
    set_seed(SEED)
    accelerator = Accelerator(mixed_precision="bf16" if args.precision == "bf16" else "no", cpu=True)
    data = load_from_disk(str(args.work / "tokenised-train"))
    data.set_format("torch")
    loader = torch.utils.data.DataLoader(
        data, batch_size=args.batch_size, shuffle=True, generator=torch.Generator().manual_seed(SEED)
    )
    before_model()
    model = load_classifier(minilm_dir(), load_labels(args.experiment))
    optimizer = torch.optim.AdamW(parameter_groups(model), lr=args.learning_rate)
    return accelerator, loader, model, optimizer


def load_classifier(path: Path, labels: list[str]):
    """MiniLM with a fresh classification head (transformers warns that the head is new: expected)."""
    from transformers import AutoModelForSequenceClassification

    return AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )


def parameter_groups(model) -> list[dict]:
    """AdamW groups as in `run_glue_no_trainer.py`: no weight decay on biases and LayerNorm weights."""
    no_decay = ("bias", "LayerNorm.weight")
    named = list(model.named_parameters())
    return [
        {"params": [p for n, p in named if not any(nd in n for nd in no_decay)], "weight_decay": WEIGHT_DECAY},
        {"params": [p for n, p in named if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]


def run_steps(model, optimizer, scheduler, loader, accelerator, steps: int) -> list[dict]:
    """Exactly `steps` optimiser steps, cycling through the loader (its last batch of an epoch may be
    short); returns per step the loss, rows and seconds (fetching the batch included)."""
    history = []
    started = time.perf_counter()
    while len(history) < steps:
        for batch in loader:
            loss = model(**batch).loss
            accelerator.backward(loss)
            accelerator.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            now = time.perf_counter()
            history.append({"loss": loss.item(), "rows": len(batch["labels"]), "seconds": now - started})
            started = now
            if len(history) == steps:
                break
    return history


def infer(args: argparse.Namespace) -> dict:
    """Classifies `--infer-docs` test documents one at a time with the traced model."""
    from sklearn.metrics import f1_score
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    set_threads(args.threads)
    test = load_splits(args.experiment)["test"]
    docs = args.infer_docs or len(test)
    if docs > len(test):
        raise SystemExit(f"error: --infer-docs {docs} exceeds the test split's {len(test)} documents")
    # The prepared test split is ordered by label: a seeded sample keeps every label in a subset.
    selection = "the whole test split" if docs == len(test) else f"a sample of the test split (seed {SEED})"
    test = test.sample(n=docs, random_state=SEED) if docs < len(test) else test
    tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
    inputs = [
        tokenizer(text, padding="max_length", truncation=True, max_length=args.max_length, return_tensors="pt")
        for text in test["text"]
    ]
    model = AutoModelForSequenceClassification.from_pretrained(str(args.work / "model")).eval()
    predicted, seconds = classify_one_at_a_time(model, inputs)
    truth = test["label"].tolist()
    return {
        "items": docs,
        "unit": "docs",
        "selection": selection,
        "max_length": args.max_length,
        "timed": "the warm traced model on each pre-tokenised document, one at a time (batch 1, float32)",
        "seconds": seconds,
        "rate": docs / seconds,
        "accuracy": sum(int(p == t) for p, t in zip(predicted, truth)) / docs,
        "macro_f1": f1_score(truth, predicted, average="macro"),
    }


def classify_one_at_a_time(model, inputs: list) -> tuple[list[int], float]:
    """Traces `model` on the first input, warms it up, then times one call per input; returns the
    predicted classes and the seconds of the timed calls."""
    with torch.no_grad():
        example = (inputs[0]["input_ids"], inputs[0]["attention_mask"])
        traced = torch.jit.trace(Logits(model), example)
        for _ in range(WARM_UP_CALLS):
            traced(*example)
        started = time.perf_counter()
        predicted = [int(traced(x["input_ids"], x["attention_mask"]).argmax(-1)) for x in inputs]
        return predicted, time.perf_counter() - started


class Logits(torch.nn.Module):
    """The classifier as a module of (input_ids, attention_mask) returning only the logits, which
    `torch.jit.trace` needs (transformers 5 dropped the `torchscript=True` tuple outputs)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def finetune(args: argparse.Namespace) -> dict:
    """The whole fine-tune of `run_glue_no_trainer.py`: `--epochs` passes, linear schedule with
    `--warmup-ratio` warm-up, validation macro-F1 every `--eval-every` steps and after each epoch
    (with the seconds since this process started), then the final model's test scores."""
    from transformers import AutoTokenizer, get_linear_schedule_with_warmup

    held_out = {}

    def encode_held_out():
        splits = load_splits(args.experiment)
        tokenizer = AutoTokenizer.from_pretrained(minilm_dir())
        held_out.update({name: encode_split(tokenizer, splits[name], args.max_length)
                         for name in ("validation", "test")})

    accelerator, loader, model, optimizer = start_training(args, encode_held_out)
    total = args.epochs * len(loader)
    if args.max_steps:
        total = min(total, args.max_steps)
    scheduler = get_linear_schedule_with_warmup(
        optimizer, num_warmup_steps=int(args.warmup_ratio * total), num_training_steps=total
    )
    model, optimizer, loader, scheduler = accelerator.prepare(model, optimizer, loader, scheduler)
    curve, step = [], 0
    for epoch in range(1, args.epochs + 1):
        if step == total:
            break
        model.train()
        for batch in loader:
            accelerator.backward(model(**batch).loss)
            accelerator.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step == total:
                break
            if args.eval_every and step % args.eval_every == 0 and step % len(loader) != 0:
                curve.append(validation_point(model, accelerator, held_out["validation"], epoch, step))
                model.train()
        curve.append(validation_point(model, accelerator, held_out["validation"], epoch, step))
    test = score(model, accelerator, held_out["test"])
    seconds = process_seconds()
    return {
        "items": step * args.batch_size,
        "unit": "samples",
        "epochs": args.epochs,
        "steps": step,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "warmup_ratio": args.warmup_ratio,
        "max_length": args.max_length,
        "precision": args.precision,
        "timed": "seconds since the process started (imports, loading, training and evaluation included)",
        "seconds": seconds,
        "rate": step * args.batch_size / seconds,
        "curve": curve,
        "test_accuracy": test["accuracy"],
        "test_macro_f1": test["macro_f1"],
    }


def encode_split(tokenizer, frame, max_length: int) -> dict:
    """A held-out split tokenised as `tokenise` does the train split (padded to max length)."""
    encoded = tokenizer(list(frame["text"]), padding="max_length", truncation=True, max_length=max_length,
                        return_tensors="pt")
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"],
            "labels": frame["label"].tolist()}


def validation_point(model, accelerator, split: dict, epoch: int, step: int) -> dict:
    """One point of the validation curve."""
    scores = score(model, accelerator, split)
    return {"epoch": epoch, "step": step, "seconds": process_seconds(), **scores}


def score(model, accelerator, split: dict, batch_size: int = 64) -> dict:
    """Accuracy and macro-F1 of the model on a tokenised split, in batches, in the training precision."""
    from sklearn.metrics import accuracy_score, f1_score

    model.eval()
    predicted = []
    with torch.no_grad(), accelerator.autocast():
        for start in range(0, len(split["labels"]), batch_size):
            window = slice(start, start + batch_size)
            logits = model(input_ids=split["input_ids"][window], attention_mask=split["attention_mask"][window]).logits
            predicted.extend(logits.argmax(-1).tolist())
    truth = split["labels"]
    return {"accuracy": accuracy_score(truth, predicted), "macro_f1": f1_score(truth, predicted, average="macro")}


def process_seconds() -> float:
    """Wall seconds since this process started (Linux: from /proc, so imports count too)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    uptime = float(Path("/proc/uptime").read_text().split()[0])
    return uptime - ticks / os.sysconf("SC_CLK_TCK")


PHASES = {"tokenise": tokenise, "train": train, "infer": infer, "finetune": finetune}

if __name__ == "__main__":
    main()
