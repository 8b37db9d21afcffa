"""Score normalisation and weighted fusion of the signals.

Weights are chosen per language of the pair: an English-only model and word n-grams carry an
English pair, character n-grams carry a Japanese one, and a pair in two languages is ranked on
the multilingual encoder alone. Each weight vector is normalised to sum to 1, so pairs of every
kind compete on the same z-score scale.
"""

from __future__ import annotations

import numpy as np

CROSS_LANGUAGE_SIGNAL = "multilingual"


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
