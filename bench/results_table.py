"""Training FLOP estimates and the markdown report of the MiniLM benchmark (bench/minilm.py).

FLOPs follow Kaplan et al. 2020, "Scaling Laws for Neural Language Models", table 1: with
N = 2·d_model·n_layer·(2·d_attn + d_ff) non-embedding parameters, a forward pass costs
2·N + 2·n_layer·n_ctx·d_attn FLOPs per token and a training step three times that (the backward
pass costs twice the forward). Embeddings, layer norms and the classification head are left out;
they are well under 1 % of the total for MiniLM.
"""

FORMULA = (
    "training FLOPs = 3 · tokens · (2·N + 2·n_layer·n_ctx·d_attn), "
    "N = 2·d_model·n_layer·(2·d_attn + d_ff) (Kaplan et al. 2020)"
)


def training_flops(config: dict, mlpipe_train: dict, reference_train: dict, peak: dict, precision: str) -> dict:
    """Achieved training FLOP/s of both sides and their share of the matmul peak of `precision`.

    mlpipe pads each batch to its longest row, so its tokens are statistics.json's real + padded
    tokens and its n_ctx the mean padded width; the reference pads every row to max length.
    """
    shape = model_shape(config)
    peak_gflops = peak[precision]["peak_gflops"]
    mlpipe_tokens = mlpipe_train["real_tokens"] + mlpipe_train["padded_tokens"]
    reference = reference_train["inner"]
    sides = {
        "mlpipe": side_flops(
            shape, mlpipe_tokens, mlpipe_tokens / mlpipe_train["items"], mlpipe_train["train_seconds"]
        ),
        "reference": side_flops(shape, reference["tokens"], reference["max_length"], reference["seconds"]),
    }
    for side in sides.values():
        side["share_of_peak"] = side["gflops_per_second"] / peak_gflops
    return {"formula": FORMULA, "model": shape, "precision": precision, "peak_gflops": peak_gflops, **sides}


def model_shape(config: dict) -> dict:
    """The Kaplan quantities of a BERT-style config.json (all heads together: d_attn = hidden)."""
    shape = {
        "n_layer": config["num_hidden_layers"],
        "d_model": config["hidden_size"],
        "d_attn": config["hidden_size"],
        "d_ff": config["intermediate_size"],
    }
    shape["n_params"] = 2 * shape["d_model"] * shape["n_layer"] * (2 * shape["d_attn"] + shape["d_ff"])
    return shape


def side_flops(shape: dict, tokens: float, n_ctx: float, seconds: float) -> dict:
    """Training FLOPs of `tokens` tokens at context `n_ctx`, and the FLOP/s over `seconds`."""
    per_token = 3 * (2 * shape["n_params"] + 2 * shape["n_layer"] * n_ctx * shape["d_attn"])
    flops = tokens * per_token
    rate = flops / seconds / 1e9
    return {"tokens": tokens, "n_ctx": n_ctx, "flops": flops, "seconds": seconds, "gflops_per_second": rate}


def render(results: dict) -> str:
    """The whole report as markdown, ready to paste into the README."""
    return "\n".join(header(results) + phase_table(results) + compute_table(results) + quality_table(results)) + "\n"


def header(results: dict) -> list[str]:
    """Title, machine and software, the benchmark's settings and the matmul peaks."""
    m, o = results["machine"], results["options"]
    return [
        "### MiniLM fine-tuning: mlpipe vs the Hugging Face reference",
        "",
        f"{m['date']}; CPU {m['cpu']}, {m['threads']} threads of {m['cores']} cores; torch {m['torch']}, "
        f"transformers {m['transformers']}, accelerate {m['accelerate']}, datasets {m['datasets']}, "
        f"tokenizers {m['tokenizers']}. Command: `{results['command'].strip()}`.",
        "",
        f"all-MiniLM-L6-v2 on 20 Newsgroups (bydate, full text with headers), max length {o['max_length']}, "
        f"batch {o['batch_size']}, {o['steps']} steps, learning rate {o['learning_rate']}, "
        f"training precision {o['precision']} on both sides, seed 42; matmul peak (2048², {o['threads']} threads): "
        f"fp32 {number(results['matmul_peak']['fp32']['peak_gflops'])} GFLOP/s, "
        f"bf16 {number(results['matmul_peak']['bf16']['peak_gflops'])} GFLOP/s.",
        "",
    ]


def phase_table(results: dict) -> list[str]:
    """Per phase, mlpipe and reference rows, and notes on what each rate measures."""
    selection = results["reference"]["infer"]["inner"]["selection"]
    rows = [
        "| phase | side | items | wall s | rate | peak RSS MiB | mlpipe / reference |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name in ("tokenise", "train", "infer"):
        ours, theirs = results["mlpipe"][name], results["reference"][name]
        ratio = f"{ours['rate'] / theirs['rate']:.2f}×"
        for side, p, shown in (("mlpipe", ours, ratio), ("reference", theirs, "")):
            rate = f"{number(p['rate'])} {p['unit']}/s"
            if side == "reference" and name == "tokenise":
                rate += f" (map only: {number(p['inner']['rate'])})"
            rows.append(f"| {name} | {side} | {p['items']:,} {p['unit']} | {p['wall_seconds']:.1f} | {rate} "
                        f"| {p['peak_rss_mib']:,.0f} | {shown} |")
    return rows + [
        "",
        "- tokenise: documents of all three splits / wall time of the whole process (start-up, reading, "
        "writing included); mlpipe `runner prepare` (truncates; rows are padded per batch later), "
        "reference `datasets.map` with the fast tokenizer, padding to max length.",
        "- train: samples / seconds of the training loop (mlpipe: statistics.json `samples_per_second`, "
        "dynamic padding; reference: Accelerate loop, padded to max length); wall s is the whole process "
        "(mlpipe's includes loading, a validation pass and the verified TorchScript export).",
        "- infer: documents / seconds of the classification loop; mlpipe `runner infer` on the whole test split "
        "(the exported model.pt in length-sorted batches with dynamic padding, in the training precision); "
        f"reference: `torch.jit.trace`d model, one document at a time, float32, on {selection}.",
        "",
    ]


def compute_table(results: dict) -> list[str]:
    """Training FLOP/s of both sides against the matmul peak, with the formula used."""
    f = results["training_flops"]
    s = f["model"]
    rows = [
        f"Training compute: {f['formula']}; N = {s['n_params'] / 1e6:.1f} M (n_layer {s['n_layer']}, "
        f"d_model = d_attn {s['d_model']}, d_ff {s['d_ff']}); tokens = padded tokens processed, "
        "n_ctx = mean padded width.",
        "",
        f"| side | tokens | n_ctx | TFLOP | loop s | GFLOP/s "
        f"| share of {f['precision']} peak ({number(f['peak_gflops'])} GFLOP/s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for side in ("mlpipe", "reference"):
        d = f[side]
        rows.append(f"| {side} | {d['tokens']:,.0f} | {d['n_ctx']:.0f} | {d['flops'] / 1e12:.2f} | {d['seconds']:.1f} "
                    f"| {number(d['gflops_per_second'])} | {d['share_of_peak']:.0%} |")
    return rows + [""]


def quality_table(results: dict) -> list[str]:
    """Test scores of both fine-tunes and of the TF-IDF baseline."""
    steps = results["options"]["steps"]
    ours, theirs, tfidf = results["mlpipe"]["infer"], results["reference"]["infer"], results["tfidf"]
    return [
        "| model | test docs | accuracy | macro-F1 |",
        "|---|---:|---:|---:|",
        f"| mlpipe minilm, {steps} steps | {ours['items']:,} | {ours['accuracy']:.4f} | {ours['macro_f1']:.4f} |",
        f"| reference minilm, {steps} steps | {theirs['items']:,} | {theirs['inner']['accuracy']:.4f} "
        f"| {theirs['inner']['macro_f1']:.4f} |",
        f"| {tfidf['model']} | {tfidf['test_docs']:,} | {tfidf['accuracy']:.4f} | {tfidf['macro_f1']:.4f} |",
    ]


def number(x: float) -> str:
    """Three significant digits or more, with thousands separators."""
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"
