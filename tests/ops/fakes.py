"""Small deterministic encoders, so a subprocess or a gunicorn worker starts without loading
the real models (the index and ranking code still run as in production)."""

from __future__ import annotations

import hashlib

import numpy as np

from matchmaker.matching import runtime


class HashEncoder:
    """A 4-dimensional unit vector derived from the text's hash."""

    dim = 4

    def __init__(self, name: str):
        self.name = name

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        rows = [
            np.frombuffer(hashlib.sha256(t.encode()).digest()[:4], dtype=np.uint8) + 1.0
            for t in texts
        ]
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        matrix = np.asarray(rows, dtype=np.float32)
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def fake_encoders(path: str) -> dict[str, HashEncoder]:
    signals = runtime.matching_config(path)["encoders"]
    return {signal: HashEncoder(f"fake-{signal}") for signal in signals}


def install(path: str | None = None) -> dict[str, HashEncoder]:
    """Make this process use the fakes for the configuration (the app's, by default)."""
    path = path or runtime.config_path()
    encoders = fake_encoders(path)
    runtime.use_encoders(path, encoders)
    return encoders
