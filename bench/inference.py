"""Inference throughput of one exported model on the news20 test split, Python side: the same
TorchScript file run by PyTorch one document at a time (as the reference pipeline did) and in
length-sorted batches of 64, next to mlpipe's own number from the run's summary.json.

    python bench/inference.py RUN_DIR MODEL PREPARED_TEST_PARQUET
"""
import json
import sys
import time

import pandas as pd
import torch

run_dir, model_name, parquet = sys.argv[1], sys.argv[2], sys.argv[3]
model = torch.jit.load(f"{run_dir}/training/{model_name}/model.pt")
keys = json.load(open(f"{run_dir}/training/{model_name}/input_keys.json"))
mlpipe = json.load(open(f"{run_dir}/inference/{model_name}/summary.json"))
table = pd.read_parquet(parquet)
# Comparison jobs prefix each model's columns with its name (see data/prepared.rs).
prefix = f"{model_name}_" if f"{model_name}_{keys[0]}" in table.columns else ""
docs = [[torch.tensor(list(table[prefix + k][i]), dtype=torch.int64) for k in keys] for i in range(len(table))]


def one_at_a_time():
    preds = []
    with torch.no_grad():
        for inputs in docs:
            preds.append(int(model(*[x.unsqueeze(0) for x in inputs]).argmax(-1)))
    return preds


def batched(size=64):
    order = sorted(range(len(docs)), key=lambda i: len(docs[i][0]))
    preds = [0] * len(docs)
    with torch.no_grad():
        for b in range(0, len(order), size):
            rows = order[b : b + size]
            width = max(len(docs[i][0]) for i in rows)
            inputs = []
            for k in range(len(keys)):
                batch = torch.zeros((len(rows), width), dtype=torch.int64)
                for r, i in enumerate(rows):
                    batch[r, : len(docs[i][k])] = docs[i][k]
                inputs.append(batch)
            for i, p in zip(rows, model(*inputs).argmax(-1).tolist()):
                preds[i] = p
    return preds


results = {}
for name, fn in [("pytorch_one_at_a_time", one_at_a_time), ("pytorch_batched_64", batched)]:
    start = time.perf_counter()
    preds = fn()
    seconds = time.perf_counter() - start
    accuracy = sum(int(p == l) for p, l in zip(preds, table["label"])) / len(preds)
    results[name] = {"docs_per_second": len(docs) / seconds, "accuracy": accuracy}
ours = mlpipe["docs_per_second"]
print(f"{'':28}{'docs/s':>10}{'accuracy':>10}{'mlpipe / this':>15}")
print(f"{'mlpipe infer (' + model_name + ')':28}{ours:10.0f}{mlpipe['accuracy']:10.4f}{'':>15}")
for name, r in results.items():
    print(f"{name:28}{r['docs_per_second']:10.0f}{r['accuracy']:10.4f}{ours / r['docs_per_second']:14.1f}x")
