"""Cross-checks mlpipe-transformers against Hugging Face transformers (the reference) on the
same inputs that the Rust test wrote: token ids from the Python fast tokenizer, for each
truncation (head and tail also through the tokenizer's own `truncation_side`); hidden states of
every layer and logits of `BertForSequenceClassification` (CLS pooling) loaded by transformers
from the checkpoint folder itself, so a wrong mapping of names or shapes at load time in Rust
shows; and the mean-pooling head, pooled by sentence-transformers' own `Pooling` module. Only the
classifier head, which starts random, comes from the file Rust saved. Prints one JSON line of
maximum absolute differences; the Rust test judges them.

usage: parity.py MODEL_DIR WORK_DIR
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from sentence_transformers.models import Pooling  # noqa: E402
from transformers import AutoTokenizer, BertForSequenceClassification  # noqa: E402
from transformers.utils import logging  # noqa: E402

logging.set_verbosity_error()
model_dir, work = sys.argv[1], sys.argv[2]
cases = json.load(open(os.path.join(work, "cases.json")))
tokenizer = AutoTokenizer.from_pretrained(model_dir)
ids_equal = []
for case in cases["texts"]:
    # The cut on Python's own tokens of the whole text, BERT's [CLS] and [SEP] added around it.
    content = tokenizer(case["text"], add_special_tokens=False)["input_ids"]
    budget = case["max_length"] - tokenizer.num_special_tokens_to_add()
    if len(content) > budget:
        head = {"head": budget, "tail": 0, "head_tail": case["head"]}[case["mode"]]
        head = min(head, budget)
        content = content[:head] + content[len(content) - (budget - head):]
    python_ids = [tokenizer.cls_token_id] + content + [tokenizer.sep_token_id]
    # Head and tail are also what the tokenizer's own truncation gives from either side.
    if case["mode"] in ("head", "tail"):
        tokenizer.truncation_side = "right" if case["mode"] == "head" else "left"
        own = tokenizer(case["text"], truncation=True, max_length=case["max_length"])["input_ids"]
        tokenizer.truncation_side = "right"
        python_ids = python_ids if own == python_ids else ["tokenizer truncation differs", own]
    ids_equal.append(python_ids == case["ids"])

result = {"ids_equal": ids_equal, "cases": {}, "windows": {}}
for pooling in ("cls", "mean"):
    # The encoder (and CLS pooler) from the checkpoint as transformers reads it.
    model = BertForSequenceClassification.from_pretrained(
        model_dir, num_labels=cases["num_labels"], attn_implementation="sdpa"
    )
    rust = load_file(os.path.join(work, f"weights_{pooling}.safetensors"))
    head = {k[len("classifier."):]: v for k, v in rust.items() if k.startswith("classifier.")}
    assert sorted(head) == ["bias", "weight"], sorted(head)
    model.classifier.load_state_dict(head)
    model.eval()
    outputs = load_file(os.path.join(work, f"outputs_{pooling}.safetensors"))
    for name in cases["batches"]:
        ids, mask = outputs[f"{name}.input_ids"], outputs[f"{name}.attention_mask"]
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        if pooling == "cls":
            logits = out.logits
        else:
            pooler = Pooling(model.config.hidden_size, pooling_mode="mean")
            pooled = pooler({"token_embeddings": out.hidden_states[-1], "attention_mask": mask})["sentence_embedding"]
            logits = model.classifier(pooled)
        diffs = [(h - outputs[f"{name}.hidden.{i}"]).abs() for i, h in enumerate(out.hidden_states)]
        real = mask.bool()
        hidden = max(float(d[real].max()) for d in diffs)
        padding = max((float(d[~real].max()) for d in diffs if (~real).any()), default=0.0)
        relative = max(float((d / (1 + h.abs())).max()) for d, h in zip(diffs, out.hidden_states))
        result["cases"][f"{pooling}/{name}"] = {
            "layers": len(out.hidden_states),
            "hidden_max_abs_diff": hidden,
            "hidden_padding_max_abs_diff": padding,
            "hidden_max_rel_diff": relative,
            "hidden_scale": max(float(h.abs().max()) for h in out.hidden_states),
            "logits_max_abs_diff": float((logits - outputs[f"{name}.logits"]).abs().max()),
            "logits_scale": float(logits.abs().max()),
        }
    # Windows: each row is W windows of `window_length`; transformers encodes the real ones (a
    # token with mask 1), pools each, and the row's logits come from the mean of its pooled vectors.
    length = cases["window_length"]
    ids, mask = outputs["windows.input_ids"], outputs["windows.attention_mask"]
    rows = ids.shape[0]
    ids, mask = ids.reshape(-1, length), mask.reshape(-1, length)
    real = mask.bool().any(-1)
    with torch.no_grad():
        out = model.bert(input_ids=ids[real], attention_mask=mask[real])
        if pooling == "cls":
            kept = out.pooler_output
        else:
            pooler = Pooling(model.config.hidden_size, pooling_mode="mean")
            kept = pooler({"token_embeddings": out.last_hidden_state, "attention_mask": mask[real]})["sentence_embedding"]
        pooled = torch.zeros(ids.shape[0], kept.shape[-1])
        pooled[real] = kept
        weights = real.reshape(rows, -1, 1).float()
        document = (pooled.reshape(rows, -1, kept.shape[-1]) * weights).sum(1) / weights.sum(1).clamp_min(1)
        logits = model.classifier(document)
    result["windows"][pooling] = float((logits - outputs["windows.logits"]).abs().max())
print(json.dumps(result), flush=True)
os._exit(0)
