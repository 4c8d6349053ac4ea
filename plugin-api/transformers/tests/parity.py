"""Cross-checks mlpipe-transformers against Hugging Face transformers (the reference) on the
same weights and inputs that the Rust test wrote: token ids from the Python fast tokenizer,
hidden states of every layer and logits of BertForSequenceClassification (CLS pooling), and the
mean-pooling head computed by hand from transformers' last hidden state. Prints one JSON line of
maximum absolute differences; the Rust test judges them.

usage: parity.py MODEL_DIR WORK_DIR
"""
import json
import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification  # noqa: E402

model_dir, work = sys.argv[1], sys.argv[2]
cases = json.load(open(os.path.join(work, "cases.json")))
tokenizer = AutoTokenizer.from_pretrained(model_dir)
ids_equal = []
for case in cases["texts"]:
    python_ids = tokenizer(case["text"], truncation=True, max_length=case["max_length"])["input_ids"]
    ids_equal.append(python_ids == case["ids"])

config = BertConfig.from_pretrained(model_dir)
config.num_labels = cases["num_labels"]
config.attn_implementation = "sdpa"
result = {"ids_equal": ids_equal, "cases": {}}
for pooling in ("cls", "mean"):
    rust = load_file(os.path.join(work, f"weights_{pooling}.safetensors"))
    state = {("classifier." + k[len("classifier."):]) if k.startswith("classifier.") else "bert." + k: v
             for k, v in rust.items()}
    model = BertForSequenceClassification(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # The mean-pooling model has no pooler; it is not used for its logits.
    assert not unexpected and all(m.startswith("bert.pooler") for m in missing), (missing, unexpected)
    model.eval()
    outputs = load_file(os.path.join(work, f"outputs_{pooling}.safetensors"))
    for name in cases["batches"]:
        ids, mask = outputs[f"{name}.input_ids"], outputs[f"{name}.attention_mask"]
        with torch.no_grad():
            out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
        if pooling == "cls":
            logits = out.logits
        else:
            last = out.hidden_states[-1]
            weights = mask.unsqueeze(-1).to(last.dtype)
            pooled = (last * weights).sum(1) / weights.sum(1).clamp_min(1.0)
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
print(json.dumps(result), flush=True)
os._exit(0)
