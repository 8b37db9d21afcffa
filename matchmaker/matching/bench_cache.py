"""Encoded vectors kept between bench runs, keyed by model name and text hash (bench/.cache)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

BATCH = 32
SAVE_EVERY = 512


def model_key(encoder, spec: dict) -> str:
    """An encoder's cache key: its name and a digest of its configuration."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:8]
    return f"{encoder.name}-{digest}"


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class VectorCache:
    """One .npz per (model, data set hash); lookups reuse any file of the same model."""

    def __init__(self, directory: str | Path | None):
        self.directory = Path(directory) if directory else None
        self._rows: dict[str, dict[str, np.ndarray]] = {}
        self.encoded = 0  # texts actually encoded in this run (the rest came from the cache)

    def _model_dir(self, model: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / re.sub(r"[^A-Za-z0-9._-]+", "_", model)

    def _known(self, model: str) -> dict[str, np.ndarray]:
        if model not in self._rows:
            rows: dict[str, np.ndarray] = {}
            folder = self._model_dir(model)
            for path in sorted(folder.glob("*.npz")) if folder and folder.is_dir() else []:
                try:
                    with np.load(path) as stored:
                        rows.update(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
                except (OSError, ValueError, KeyError):
                    continue  # a damaged cache file is simply re-encoded
            self._rows[model] = rows
        return self._rows[model]

    def vectors(
        self,
        encoder,
        texts: list[str],
        progress: Callable[[int], None] | None = None,
        model: str | None = None,
    ) -> np.ndarray:
        """Rows for `texts` under `encoder` (cached as `model`), encoding only what is new."""
        model = model or encoder.name
        known = self._known(model)
        keys = [text_key(t) for t in texts]
        missing = list(dict.fromkeys(k for k in keys if k not in known))
        by_key = dict(zip(keys, texts, strict=True))
        for start in range(0, len(missing), SAVE_EVERY):  # saved as it goes: resumable
            chunk = missing[start : start + SAVE_EVERY]
            parts = []
            for first in range(0, len(chunk), BATCH):
                batch = [by_key[k] for k in chunk[first : first + BATCH]]
                parts.append(encoder.encode(batch, BATCH))
                if progress:
                    progress(len(batch))
            fresh = np.vstack(parts).astype(np.float32)
            known.update(zip(chunk, fresh, strict=True))
            self.encoded += len(chunk)
            self._save(model, chunk, fresh)
        if progress and len(missing) < len(keys):
            progress(len(keys) - len(missing))
        if not texts:
            return np.zeros((0, encoder.dim), dtype=np.float32)
        return np.vstack([known[k] for k in keys]).astype(np.float32)

    def _save(self, model: str, keys: list[str], fresh: np.ndarray) -> None:
        folder = self._model_dir(model)
        if folder is None:
            return
        folder.mkdir(parents=True, exist_ok=True)
        data_hash = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        path = folder / f"{data_hash}-{len(keys)}.npz"
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=fresh)
        tmp.replace(path)
