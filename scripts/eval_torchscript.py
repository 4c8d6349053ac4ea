"""Scores an exported mlpipe model (model.pt) on a prepared split with PyTorch and scikit-learn,
independently of the runner: `python scripts/eval_torchscript.py RUN_MODEL_DIR PREPARED.parquet`.
It reads input_keys.json for the input order, pads each batch to its longest row, and prints JSON."""
import json
import sys
import time

import pandas as pd
import torch
from sklearn.metrics import accuracy_score, f1_score

model_dir, parquet = sys.argv[1], sys.argv[2]
model = torch.jit.load(f"{model_dir}/model.pt")
keys = json.load(open(f"{model_dir}/input_keys.json"))
table = pd.read_parquet(parquet)
order = sorted(range(len(table)), key=lambda i: len(table[keys[0]][i]))
preds = [0] * len(table)
start = time.perf_counter()
with torch.no_grad():
    for b in range(0, len(order), 64):
        rows = order[b : b + 64]
        width = max(len(table[keys[0]][i]) for i in rows)
        inputs = []
        for key in keys:
            batch = torch.zeros((len(rows), width), dtype=torch.int64)
            for r, i in enumerate(rows):
                values = torch.tensor(table[key][i], dtype=torch.int64)
                batch[r, : len(values)] = values
            inputs.append(batch)
        for i, p in zip(rows, model(*inputs).argmax(-1).tolist()):
            preds[i] = p
seconds = time.perf_counter() - start
labels = table["label"].tolist()
print(json.dumps({
    "rows": len(labels),
    "accuracy": accuracy_score(labels, preds),
    "macro_f1": f1_score(labels, preds, average="macro"),
    "docs_per_second": len(labels) / seconds,
}))
