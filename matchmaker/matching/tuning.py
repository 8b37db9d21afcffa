"""Tune fusion weights and centring on the development sets with two-fold cross-validation.

`python -m matchmaker.matching.tuning [DATA_DIR]` prints, per language, the choice made on each
half of the needs (even / odd) and its score on the other half, then the choice made on all
development needs, for models/matching.json. Vectors come from the bench's cache (bench/.cache),
so a run after `make bench` encodes nothing.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np

from matchmaker.matching import dense
from matchmaker.matching.bench_cache import VectorCache, model_key
from matchmaker.matching.datasets import read_docs, read_qrels
from matchmaker.matching.fusion import Centring, weights_for
from matchmaker.matching.lexical import LexicalScorer

# the signals meant for each language's pairs (fusion.py); fewer free weights fit less noise
LANGUAGE_SIGNALS = {
    "en": ("semantic", "lexical_word"),
    "ja": ("multilingual", "lexical_word", "lexical_char"),
}
DENSE = ("semantic", "multilingual")
SIGNALS = (*DENSE, "lexical_word", "lexical_char")
GRID = tuple(round(0.05 * i, 2) for i in range(13))  # 0 .. 0.6
DATASETS = {"sbir": "en", "jsquad-ja": "ja"}  # development set -> language it tunes
K = 10


def zscores(matrix: np.ndarray) -> np.ndarray:
    """fusion.zscore on every row (one row per need)."""
    std = matrix.std(axis=1, keepdims=True)
    centred = matrix - matrix.mean(axis=1, keepdims=True)
    return np.where(std > 1e-9, centred / np.maximum(std, 1e-9), 0).astype(np.float32)


def signal_scores(needs, seeds, vectors: dict, lexical_opts: dict) -> dict[str, np.ndarray]:
    """z-scored signals for every need × seed pair, as HybridRanker.rank scores them: dense
    signals raw and centred on the seeds' mean ("<name>/centred"), lexical over an IDF learnt
    on both sides."""
    out = {}
    for name in DENSE:
        if name not in vectors["seeds"]:
            continue
        rows = dense.stored(vectors["seeds"][name])
        queries = dense.as_float32(dense.stored(vectors["needs"][name]))
        raw = queries @ dense.as_float32(rows).T
        out[name] = zscores(raw)
        out[f"{name}/centred"] = zscores(Centring(rows).apply(raw, queries))
    scorer = LexicalScorer(**lexical_opts).fit([d.text for d in seeds], [d.text for d in needs])
    lexical = scorer.scores([d.text for d in needs])
    out["lexical_word"], out["lexical_char"] = zscores(lexical["word"]), zscores(lexical["char"])
    return out


def relevance(needs, seeds, qrels) -> np.ndarray:
    column = {d.id: j for j, d in enumerate(seeds)}
    rel = np.zeros((len(needs), len(seeds)), dtype=bool)
    for i, need in enumerate(needs):
        for seed_id in qrels.get(need.id, ()):
            if seed_id in column:
                rel[i, column[seed_id]] = True
    return rel


def per_need_ndcg(fused: np.ndarray, rel: np.ndarray) -> np.ndarray:
    """nDCG@10 of each row (evaluation.ndcg_at_k, vectorised); rows without pairings are NaN."""
    k = min(K, fused.shape[1])
    top = np.argpartition(-fused, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(fused, top, 1), axis=1, kind="stable")
    top = np.take_along_axis(top, order, 1)
    discount = 1 / np.log2(np.arange(2, k + 2))
    gains = np.take_along_axis(rel, top, 1) @ discount
    ideal = np.array([discount[: min(int(n), k)].sum() for n in rel.sum(1)])
    return np.where(ideal > 0, gains / np.where(ideal > 0, ideal, 1), np.nan)


def candidates(language: str) -> list[tuple[dict, tuple]]:
    """(weights, centred signals) pairs: weight vectors up to scale, each listed once, times
    raw or centred cosines for each dense signal the language weighs."""
    signals = LANGUAGE_SIGNALS[language]
    dense_ones = [s for s in signals if s in DENSE]
    seen, weights = set(), []
    for values in itertools.product(GRID, repeat=len(signals)):
        total = sum(values)
        key = tuple(round(v / total, 3) for v in values) if total else None
        if key and key not in seen:
            seen.add(key)
            weights.append(dict(zip(signals, values, strict=True)))
    choices = [
        tuple(c) for n in range(len(dense_ones) + 1) for c in itertools.combinations(dense_ones, n)
    ]
    return [(w, c) for c in choices for w in weights]


def fused_scores(weights: dict, centred: tuple, z: dict) -> np.ndarray:
    """Same arithmetic as fusion.fuse for same-language pairs (the development sets have no
    other kind)."""
    w = weights_for(weights, None)
    parts = [v * z[f"{n}/centred" if n in centred else n] for n, v in w.items() if v]
    return sum(parts[1:], parts[0])


def cross_validate(z: dict, rel: np.ndarray, language: str) -> dict:
    """Choose on even needs and score on odd, and the other way; then choose on all needs."""
    n = len(rel)
    halves = {"even": np.arange(n) % 2 == 0, "odd": np.arange(n) % 2 == 1}
    halves["all"] = np.ones(n, dtype=bool)
    table = [(c, per_need_ndcg(fused_scores(*c, z), rel)) for c in candidates(language)]

    def best(half):
        return max(table, key=lambda row: np.nanmean(row[1][halves[half]]))

    out = {}
    for train, test in (("even", "odd"), ("odd", "even"), ("all", "all")):
        choice, scores = best(train)
        out[train] = {
            "weights": weights_for(choice[0], None),
            "centred": list(choice[1]),
            "scores": {h: round(float(np.nanmean(scores[m])), 4) for h, m in halves.items()},
            "held_out": None if train == "all" else test,
        }
    return out


def fmt(choice: dict) -> str:
    weights = {k: round(v, 3) for k, v in choice["weights"].items() if v}
    return f"{json.dumps(weights)} centred={choice['centred']}"


def load_set(folder: Path, cache: VectorCache, encoders: dict, keys: dict):
    needs, seeds = read_docs(folder / "needs.jsonl"), read_docs(folder / "seeds.jsonl")
    qrels = read_qrels(folder / "qrels.jsonl")
    vectors = {
        side: {
            name: cache.vectors(enc, [d.text for d in docs], model=keys[name])
            for name, enc in encoders.items()
        }
        for side, docs in (("needs", needs), ("seeds", seeds))
    }
    return needs, seeds, qrels, vectors


def main(argv: list[str] | None = None) -> int:
    from matchmaker.config import ROOT
    from matchmaker.matching.bench_models import load_encoders, matching_config

    argv = argv if argv is not None else sys.argv[1:]
    data = Path(argv[0] if argv else ROOT.parent / "shared/data")
    config = matching_config()
    encoders = load_encoders(config)
    keys = {n: model_key(e, config["encoders"][n]) for n, e in encoders.items()}
    cache = VectorCache(ROOT / "bench" / ".cache")
    chosen: dict = {"weights": {}, "centred": {}}
    for name, language in DATASETS.items():
        needs, seeds, qrels, vectors = load_set(data / name, cache, encoders, keys)
        z = signal_scores(needs, seeds, vectors, config.get("lexical", {}))
        result = cross_validate(z, relevance(needs, seeds, qrels), language)
        print(f"== {name} (weights for {language} pairs)")
        for train in ("even", "odd", "all"):
            r = result[train]
            test = r["held_out"]
            held = f"; held out {test}={r['scores'][test]}" if test else ""
            print(f"  chosen on {train}: {fmt(r)} {train}={r['scores'][train]}{held}")
        weights = result["all"]["weights"]
        chosen["weights"][language] = {s: round(weights.get(s, 0.0), 3) for s in SIGNALS}
        chosen["centred"][language] = result["all"]["centred"]
    print(json.dumps(chosen))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
