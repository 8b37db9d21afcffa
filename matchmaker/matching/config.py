"""The matcher's configuration: which models, which signals, which fusion weights (models/)."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from matchmaker.config import ROOT

DEFAULT_PATH = ROOT / "models" / "matching.json"


@cache
def load_matching_config(path: str | None = None) -> dict:
    """Read models/matching.json, or the file named by MATCHMAKER_MATCHING_CONFIG."""
    chosen = Path(path or os.environ.get("MATCHMAKER_MATCHING_CONFIG") or DEFAULT_PATH)
    with chosen.open(encoding="utf-8") as f:
        return json.load(f)
