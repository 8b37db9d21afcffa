"""Tune fusion weights on the development sets with two-fold cross-validation (even/odd needs).

`python -m matchmaker.matching.tuning [DATA_DIR]` prints the weights chosen on each half, how they
score on the other half, and the weights fitted on all development needs for models/matching.json.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import numpy as np

from matchmaker.matching import dense
from matchmaker.matching.documents import doc_from_record
from matchmaker.matching.encoders import load_encoder
from matchmaker.matching.evaluation import evaluate
from matchmaker.matching.fusion import weights_for
from matchmaker.matching.ranker import HybridRanker

SIGNALS = ("semantic", "multilingual", "lexical_word", "lexical_char")
GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6)
DATASETS = {"sbir": "en", "jsquad-ja": "ja"}  # development set -> language it tunes


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def signal_matrices(ranker: HybridRanker, needs, cache: Path) -> dict[str, np.ndarray]:
    """All four signals for every need × seed pair (dense vectors cached on disk)."""
    qfile = cache / "needs.npz"
    if qfile.exists():
        qvecs = dict(np.load(qfile))
    else:
        qvecs = ranker.encode(needs)
        np.savez(qfile, **qvecs)
    out = {name: qvecs[name] @ dense.as_float32(m).T for name, m in ranker.vectors.items()}
    lexical = ranker.lexical.scores([d.text for d in needs])
    out["lexical_word"], out["lexical_char"] = lexical["word"], lexical["char"]
    return out


def load_dataset(name: str, data: Path, encoders, lexical_opts, cache_root: Path):
    folder = data / name
    needs = [doc_from_record(r) for r in read_jsonl(folder / "needs.jsonl")]
    seeds = [doc_from_record(r) for r in read_jsonl(folder / "seeds.jsonl")]
    qrels: dict = {}
    for row in read_jsonl(folder / "qrels.jsonl"):
        qrels.setdefault(row["need_id"], set()).add(row["seed_id"])
    cache = cache_root / name
    cache.mkdir(parents=True, exist_ok=True)
    sfile = cache / "seeds.npz"
    vectors = dict(np.load(sfile)) if sfile.exists() else None
    ranker = HybridRanker(encoders, {}, lexical_opts)
    if vectors is None:
        vectors = ranker.encode(seeds)
        np.savez(sfile, **vectors)
    ranker.build(seeds, vectors, vocabulary_texts=[d.text for d in needs])
    return needs, seeds, qrels, signal_matrices(ranker, needs, cache)


def prepare(needs, seeds, qrels, signals):
    """z-scores per need row, the cross-language mask and the qrels, ready for fast grids."""
    z = {}
    for name, m in signals.items():
        std = m.std(axis=1, keepdims=True)
        centred = m - m.mean(axis=1, keepdims=True)
        z[name] = np.where(std > 1e-9, centred / np.maximum(std, 1e-9), 0)
    seed_lang = np.array([d.language for d in seeds], dtype=object)
    cross = np.array([seed_lang != d.language for d in needs])
    return needs, seeds, qrels, z, cross


def ndcg(weights, prepared, rows) -> float:
    """Same arithmetic as fusion.fuse for same-language pairs, vectorised over needs."""
    needs, seeds, qrels, z, cross = prepared
    rows = list(rows)
    w = weights_for(weights, None)
    fused = sum(w.get(n, 0.0) * z[n][rows] for n in z)
    fused = np.where(cross[rows], z["multilingual"][rows], fused)
    top = np.argsort(-fused, axis=1)[:, :10]
    rankings = {needs[i].id: [seeds[j].id for j in top[k]] for k, i in enumerate(rows)}
    return evaluate(rankings, {needs[i].id: qrels.get(needs[i].id, set()) for i in rows})["ndcg@10"]


def grid() -> list[dict[str, float]]:
    """Weight vectors up to scale (fusion is scale-invariant), each listed once."""
    seen, out = set(), []
    for values in itertools.product(GRID, repeat=len(SIGNALS)):
        total = sum(values)
        if not total:
            continue
        key = tuple(round(v / total, 3) for v in values)
        if key not in seen:
            seen.add(key)
            out.append(dict(zip(SIGNALS, values, strict=True)))
    return out


def fmt(weights: dict) -> str:
    return json.dumps({k: round(v, 3) for k, v in weights_for(weights, None).items()})


def main(argv: list[str] | None = None) -> int:
    from matchmaker.matching.config import load_matching_config

    argv = argv if argv is not None else sys.argv[1:]
    data = Path(argv[0] if argv else Path(__file__).resolve().parents[2].parent / "shared/data")
    config = load_matching_config()
    encoders = {name: load_encoder(spec) for name, spec in config["encoders"].items()}
    cache = Path(__file__).resolve().parents[2] / "bench" / ".cache" / "tuning"
    sets = {
        n: prepare(*load_dataset(n, data, encoders, config.get("lexical", {}), cache))
        for n in DATASETS
    }
    candidates = grid()

    halves = {
        "even": lambda n: range(0, n, 2),
        "odd": lambda n: range(1, n, 2),
        "all": lambda n: range(n),
    }
    chosen = {}
    for name, language in DATASETS.items():
        prepared = sets[name]

        def score(weights, half, prepared=prepared):
            return round(ndcg(weights, prepared, halves[half](len(prepared[0]))), 4)

        print(f"== {name} (weights for {language} pairs)")
        for train, test in (("even", "odd"), ("odd", "even")):
            best = max(candidates, key=lambda w, t=train: score(w, t))
            print(
                f"  tuned on {train}: {fmt(best)} {train}={score(best, train)} "
                f"{test} (held out)={score(best, test)}"
            )
        best = max(candidates, key=lambda w: score(w, "all"))
        print(f"  all needs: {fmt(best)} all={score(best, 'all')}")
        chosen[language] = weights_for(best, None)
    print(json.dumps({k: {s: round(v, 3) for s, v in w.items()} for k, w in chosen.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
