"""Score normalisation and weighted fusion of the signals."""

from __future__ import annotations

import numpy as np

# signals that compare surface text or an English-only model: meaningless across languages
SAME_LANGUAGE_SIGNALS = ("semantic", "lexical_word", "lexical_char")
CROSS_LANGUAGE_SIGNAL = "multilingual"


def zscore(scores: np.ndarray) -> np.ndarray:
    """Centre and scale one signal over the candidates, so signals of different ranges add up."""
    std = float(scores.std())
    if std < 1e-9:
        return np.zeros_like(scores)
    return (scores - float(scores.mean())) / std


def fuse(
    signals: dict[str, np.ndarray],
    weights: dict[str, float],
    cross_language: np.ndarray | None = None,
) -> np.ndarray:
    """Weighted sum of z-scores; for pairs in different languages the multilingual signal
    carries the whole weight, so they compete on the same scale as same-language pairs."""
    total = sum(weights.get(name, 0.0) for name in signals)
    fused = np.zeros_like(next(iter(signals.values())))
    normalised = {name: zscore(values) for name, values in signals.items()}
    for name, z in normalised.items():
        fused += weights.get(name, 0.0) * z
    if cross_language is not None and cross_language.any() and CROSS_LANGUAGE_SIGNAL in normalised:
        fused[cross_language] = total * normalised[CROSS_LANGUAGE_SIGNAL][cross_language]
    return fused
