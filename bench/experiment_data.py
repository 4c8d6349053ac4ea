"""The documents of an mlpipe experiment folder, as the Python side of the benchmarks reads them.

mlpipe's `reconcile` writes every record's text to `data/reconciled/records.parquet` (columns `id`,
`label`, `label_id`, `split`, one text column per field: `text` for news20), and `prepare` writes
the split assignment it trains and evaluates on to `data/prepared/{train,validation,test}.parquet`
(columns `id`, `label` = class id, then the model's token columns). `load_splits` joins the two so
that the reference pipeline and the TF-IDF baseline see exactly the documents, labels and splits
mlpipe used, in the prepared files' order.
"""
import json
from pathlib import Path

import pandas as pd

SPLITS = ("train", "validation", "test")
TEXT_COLUMN = "text"


def load_labels(experiment: Path) -> list[str]:
    """Label names in class-id order, from `data/id2label.json`."""
    path = experiment / "data" / "id2label.json"
    id2label = json.loads(_existing(path).read_text())
    return [id2label[str(i)] for i in range(len(id2label))]


def load_splits(experiment: Path) -> dict[str, pd.DataFrame]:
    """Per split, a frame with columns `id`, `label` (class id) and `text`, in prepared order.

    Raises `SystemExit` with a clear message when a file is missing, a prepared id has no record,
    or the two files disagree on a label.
    """
    records = _read_records(experiment)
    splits = {}
    for split in SPLITS:
        path = _existing(experiment / "data" / "prepared" / f"{split}.parquet")
        prepared = pd.read_parquet(path, columns=["id", "label"])
        splits[split] = _join(prepared, records, split)
    return splits


def _read_records(experiment: Path) -> pd.DataFrame:
    path = _existing(experiment / "data" / "reconciled" / "records.parquet")
    records = pd.read_parquet(path)
    missing = {"id", "label_id", TEXT_COLUMN} - set(records.columns)
    if missing:
        raise SystemExit(f"error: {path} lacks the columns {sorted(missing)} (has {list(records.columns)})")
    return records[["id", "label_id", TEXT_COLUMN]]


def _join(prepared: pd.DataFrame, records: pd.DataFrame, split: str) -> pd.DataFrame:
    """The prepared rows with their record's text; every id must be found and its label agree."""
    joined = prepared.merge(records, on="id", how="left", validate="one_to_one")
    unmatched = joined[TEXT_COLUMN].isna()
    if unmatched.any():
        raise SystemExit(f"error: {unmatched.sum()} {split} ids have no record, e.g. {joined['id'][unmatched].iloc[0]}")
    disagree = joined["label"] != joined["label_id"]
    if disagree.any():
        raise SystemExit(f"error: {disagree.sum()} {split} rows have a label unlike records.parquet's label_id")
    return joined[["id", "label", TEXT_COLUMN]].reset_index(drop=True)


def _existing(path: Path) -> Path:
    if not path.is_file():
        raise SystemExit(f"error: {path} does not exist (run mlpipe's reconcile and prepare first)")
    return path
