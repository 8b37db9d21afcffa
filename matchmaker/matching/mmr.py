"""Maximal marginal relevance: trade a little relevance for variety in the top k."""

from __future__ import annotations

import numpy as np


def mmr_select(
    candidates: np.ndarray, relevance: np.ndarray, vectors: np.ndarray, k: int, diversity: float
) -> np.ndarray:
    """Pick k of `candidates` (row ids, best first); diversity 0 keeps the relevance order."""
    if diversity <= 0 or len(candidates) <= 1:
        return candidates[:k]
    rel = relevance.astype(np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones_like(rel)
    sims = vectors @ vectors.T
    chosen: list[int] = [0]
    max_sim = sims[0].copy()
    lam = 1.0 - diversity
    while len(chosen) < min(k, len(candidates)):
        score = lam * rel - (1 - lam) * max_sim
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        max_sim = np.maximum(max_sim, sims[best])
    return candidates[chosen]
