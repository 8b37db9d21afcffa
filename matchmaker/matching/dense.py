"""Dense vectors are kept in float16: half the memory of float32, and a matrix-vector product
that reads half the bytes (torch's half-precision kernel accumulates in float32)."""

from __future__ import annotations

import numpy as np

STORED = np.float16
CHUNK_ROWS = 8192

try:  # torch comes with sentence-transformers; the numpy path keeps the ranker usable without
    import torch
except ImportError:  # pragma: no cover - exercised only where torch is absent
    torch = None


def stored(matrix) -> np.ndarray:
    """`matrix` as the ranker keeps it: C-contiguous float16."""
    return np.ascontiguousarray(matrix, dtype=STORED)


def matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Inner product of every stored row with one query vector, as float32."""
    query = np.ascontiguousarray(vector, dtype=STORED)
    if not len(matrix):
        return np.zeros(0, dtype=np.float32)
    if torch is not None:
        product = torch.mv(torch.from_numpy(matrix), torch.from_numpy(query))
        return product.numpy().astype(np.float32)
    query32 = query.astype(np.float32)
    return np.concatenate(
        [
            matrix[start : start + CHUNK_ROWS].astype(np.float32) @ query32
            for start in range(0, len(matrix), CHUNK_ROWS)
        ]
    )


def rows_times(matrix: np.ndarray, rows, vector: np.ndarray) -> np.ndarray:
    """Inner products for a few rows only (the reported signals of the top k)."""
    return matrix[rows].astype(np.float32) @ np.asarray(vector, dtype=np.float32)


def as_float32(matrix: np.ndarray) -> np.ndarray:
    """A float32 copy for batch work (tuning, benchmarks, MMR), not for the live index."""
    return np.asarray(matrix, dtype=np.float32)
