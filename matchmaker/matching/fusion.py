"""Score normalisation and weighted fusion of the signals.

Weights are chosen per language of the pair: an English-only model and word n-grams carry an
English pair, character n-grams carry a Japanese one, and a pair in two languages is ranked on
the multilingual encoder alone. Each weight vector is normalised to sum to 1, so pairs of every
kind compete on the same z-score scale.
"""

from __future__ import annotations

import numpy as np

from matchmaker.matching import dense

CROSS_LANGUAGE_SIGNAL = "multilingual"
CENTRE_MIN_ROWS = 20  # a mean over fewer rows says more about those rows than about the model
CHUNK_ROWS = 16384


def zscore(scores: np.ndarray) -> np.ndarray:
    """Centre and scale one signal over the candidates, so signals of different ranges add up."""
    std = float(scores.std())
    if std < 1e-9:
        return np.zeros_like(scores)
    return (scores - float(scores.mean())) / std


def weights_for(weights: dict, language: str | None) -> dict[str, float]:
    """The weight vector for pairs in `language` (flat configurations apply to every language)."""
    if weights and all(isinstance(v, int | float) for v in weights.values()):
        chosen = weights
    else:
        chosen = weights.get(language or "") or weights.get("default") or {}
    total = sum(chosen.values())
    return {k: v / total for k, v in chosen.items()} if total else {}


def pair_weights(weights: dict, query_language: str, doc_language: str) -> dict[str, float]:
    if query_language and doc_language and query_language != doc_language:
        return {CROSS_LANGUAGE_SIGNAL: 1.0}
    return weights_for(weights, query_language or doc_language)


def fuse(
    signals: dict[str, np.ndarray],
    weights: dict,
    query_language: str = "",
    doc_languages: np.ndarray | None = None,
    normalised: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Weighted sum of z-scores, with the weight vector of each candidate's language pair.
    `doc_languages` None means every candidate is in the query's language."""
    if normalised is None:
        normalised = {name: zscore(values) for name, values in signals.items()}
    same = weights_for(weights, query_language)
    fused = np.zeros_like(next(iter(signals.values())), dtype=np.float32)
    for name, z in normalised.items():
        fused += same.get(name, 0.0) * z
    if doc_languages is None or not query_language:
        return fused
    cross = (doc_languages != query_language) & (doc_languages != "")
    if cross.any() and CROSS_LANGUAGE_SIGNAL in normalised:
        fused[cross] = normalised[CROSS_LANGUAGE_SIGNAL][cross]
    return fused


def centred_for(centred: dict | list | None, language: str | None) -> set[str]:
    """The dense signals ranked on centred cosines for queries in `language` (a flat list
    applies to every language, as flat weights do)."""
    if not centred:
        return set()
    if isinstance(centred, list | tuple | set):
        return set(centred)
    return set(centred.get(language or "") or centred.get("default") or ())


def centred_signals(centred: dict | list | None) -> set[str]:
    """Every signal centred for some language (the ranker keeps a mean for each)."""
    if isinstance(centred, dict):
        return set().union(*(set(v or ()) for v in centred.values()))
    return set(centred or ())


class Centring:
    """Cosine after subtracting the corpus's mean vector from query and rows.

    Sentence encoders put every text in a narrow cone (a large shared component), so raw
    cosines partly measure how typical a row is; removing the mean ranks on what a text says.
    Computed from the raw inner products the ranker already has, plus two numbers per row:
    no second product over the corpus.
    """

    def __init__(self, matrix: np.ndarray):
        total = np.zeros(matrix.shape[1], dtype=np.float64)
        for start in range(0, len(matrix), CHUNK_ROWS):
            total += dense.as_float32(matrix[start : start + CHUNK_ROWS]).sum(axis=0)
        self.mean = (total / max(len(matrix), 1)).astype(np.float32)
        self.mean_sq = float(self.mean @ self.mean)
        self.rows = len(matrix)
        self.offset, self.norm = self.row_terms(matrix)

    def row_terms(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's inner product with the mean and its distance from it."""
        offsets, norms = [], []
        for start in range(0, len(matrix), CHUNK_ROWS):
            part = dense.as_float32(matrix[start : start + CHUNK_ROWS])
            offset = part @ self.mean
            squared = np.einsum("ij,ij->i", part, part) - 2 * offset + self.mean_sq
            offsets.append(offset)
            norms.append(np.sqrt(np.maximum(squared, 1e-12)))
        if not offsets:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        return np.concatenate(offsets).astype(np.float32), np.concatenate(norms).astype(np.float32)

    def set_rows(self, rows, matrix: np.ndarray) -> None:
        self.offset[rows], self.norm[rows] = self.row_terms(matrix)

    def append(self, matrix: np.ndarray) -> None:
        offset, norm = self.row_terms(matrix)
        self.offset = np.concatenate([self.offset, offset])
        self.norm = np.concatenate([self.norm, norm])

    def apply(self, scores: np.ndarray, query: np.ndarray) -> np.ndarray:
        """Raw inner products (one query: a row; several: a matrix) -> centred cosines, up to
        the query's norm, which a per-query z-score ignores."""
        query = np.asarray(query, dtype=np.float32)
        shift = self.mean_sq - query @ self.mean  # a number, or one per query
        if np.ndim(shift):
            shift = shift[:, None]
        return ((scores - self.offset + shift) / self.norm).astype(np.float32)
