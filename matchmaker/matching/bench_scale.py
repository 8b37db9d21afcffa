"""Speed and memory at scale: latency beside faiss, encoding throughput, index size."""

from __future__ import annotations

import sys
import time

import numpy as np

from matchmaker.common.taxonomy import POLICY_AREAS
from matchmaker.matching.documents import Doc
from matchmaker.matching.filters import Filters

FILTERS_ON = Filters(policy_areas=["disaster_prevention", "mobility"], min_trl=5)
ORG_KINDS = ("startup", "sme", "university", "npo", "company")


def tiled_docs(docs: list[Doc], n_rows: int, seed: int = 7) -> list[Doc]:
    """`docs` repeated to n_rows, each row with synthetic filter facts (areas, TRL, kind)."""
    rng = np.random.default_rng(seed)
    areas = list(POLICY_AREAS)
    out = []
    for row in range(n_rows):
        base = docs[row % len(docs)]
        picked = rng.choice(len(areas), size=int(rng.integers(1, 3)), replace=False)
        out.append(
            Doc(
                id=f"{base.id}#{row // len(docs)}",
                title=base.title,
                body=base.body,
                language=base.language or "en",
                policy_areas=[areas[i] for i in picked],
                trl=int(rng.integers(1, 10)),
                org_kind=ORG_KINDS[int(rng.integers(len(ORG_KINDS)))],
                ready_for_pilot=bool(rng.random() < 0.3),
            )
        )
    return out


def tiled_vectors(sample: dict[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray]:
    """The sample's encoded rows repeated to n_rows (row i gets sample row i mod n)."""
    out = {}
    for name, matrix in sample.items():
        reps = -(-n_rows // len(matrix))
        out[name] = np.ascontiguousarray(np.tile(matrix, (reps, 1))[:n_rows], dtype=np.float32)
    return out


def percentiles(times_s: list[float]) -> dict:
    ms = np.asarray(times_s) * 1000.0
    return {
        "p50": float(np.percentile(ms, 50)),
        "p95": float(np.percentile(ms, 95)),
        "mean": float(ms.mean()),
        "queries": len(ms),
    }


def query_plan(queries: list[Doc], vectors: dict, n: int) -> list[tuple[Doc, dict]]:
    """n (doc, vectors) pairs cycling through the queries."""
    return [
        (queries[i % len(queries)], {name: m[i % len(queries)] for name, m in vectors.items()})
        for i in range(n)
    ]


def platform_latency(ranker, plan, filters: Filters | None = None, warmup: int = 5) -> dict:
    """Top-10 of one need, explanations off, query vectors precomputed (as the app stores)."""
    for doc, vectors in plan[:warmup]:
        ranker.rank(doc, top_k=10, filters=filters, query_vectors=vectors, explain=False)
    times = []
    for doc, vectors in plan:
        start = time.perf_counter()
        ranker.rank(doc, top_k=10, filters=filters, query_vectors=vectors, explain=False)
        times.append(time.perf_counter() - start)
    return percentiles(times)


def faiss_latency(ranker, plan, warmup: int = 5) -> dict:
    """faiss IndexFlatIP over the platform's dense matrices, concatenated, same queries."""
    import faiss

    names = list(ranker.vectors)
    matrix = np.ascontiguousarray(np.hstack([ranker.vectors[n] for n in names]), np.float32)
    index = faiss.IndexFlatIP(matrix.shape[1])
    index.add(matrix)
    del matrix
    queries = [
        np.ascontiguousarray(np.hstack([v[n] for n in names])[None, :], dtype=np.float32)
        for _, v in plan
    ]
    for q in queries[:warmup]:
        index.search(q, 10)
    times = []
    for q in queries:
        start = time.perf_counter()
        index.search(q, 10)
        times.append(time.perf_counter() - start)
    result = percentiles(times)
    result["dim"] = int(index.d)
    return result


def _sparse_bytes(matrix) -> int:
    if matrix is None:
        return 0
    return int(matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes)


def _vocabulary_bytes(vectorizer) -> int:
    vocabulary = getattr(vectorizer, "vocabulary_", None) or {}
    return sys.getsizeof(vocabulary) + sum(sys.getsizeof(t) + 28 for t in vocabulary)


def _array_bytes(array: np.ndarray) -> int:
    if array.dtype == object:
        return int(array.nbytes) + sum(sys.getsizeof(v) for v in set(array.tolist()))
    return int(array.nbytes)


def memory(ranker) -> dict:
    """What the ranker keeps in memory to search, beside the raw float32 size of its vectors."""
    dense = sum(int(m.nbytes) for m in ranker.vectors.values())
    rows = len(ranker.docs)
    raw = rows * sum(int(m.shape[1]) for m in ranker.vectors.values()) * 4
    lexical = sum(_sparse_bytes(m) for m in ranker.lexical.postings.values())
    vocabulary = _vocabulary_bytes(ranker.lexical.word) + _vocabulary_bytes(ranker.lexical.char)
    meta = sum(_array_bytes(a) for a in vars(ranker.meta).values()) + int(ranker.active.nbytes)
    return {
        "index": dense + lexical + vocabulary + meta,
        "dense": dense,
        "lexical_matrices": lexical,
        "lexical_vocabulary": vocabulary,
        "metadata": meta,
        "raw_float32": raw,
        "rows": rows,
    }


def _raw_encode(encoder, texts: list[str]) -> None:
    """The model called directly, as its own documentation shows (no platform code)."""
    model = getattr(encoder, "model", None)
    if model is None:
        encoder.encode(texts)
    elif hasattr(model, "get_sentence_embedding_dimension"):
        model.encode(texts, show_progress_bar=False)
    else:
        model.encode(texts)


def throughput(ranker, docs: list[Doc], chunk: int = 100, progress=None) -> dict:
    """Texts per second through HybridRanker.encode vs each model called directly, on the
    same texts, chunk by chunk in alternating order so background load hits both alike."""

    def platform(part):
        ranker.encode(part)

    def raw(part):
        texts = [d.text for d in part]
        for encoder in ranker.encoders.values():
            _raw_encode(encoder, texts)

    for run in (platform, raw):  # warm-up: lazy weights, thread pools
        run(docs[:2])
    spent = {platform: 0.0, raw: 0.0}
    for number, start in enumerate(range(0, len(docs), chunk)):
        part = docs[start : start + chunk]
        for run in (platform, raw) if number % 2 == 0 else (raw, platform):
            t0 = time.perf_counter()
            run(part)
            spent[run] += time.perf_counter() - t0
        if progress:
            progress(len(part))
    n = len(docs)
    return {
        "platform": n / spent[platform] if spent[platform] else 0.0,
        "raw": n / spent[raw] if spent[raw] else 0.0,
        "texts": n,
        "mean_chars": float(np.mean([len(d.text) for d in docs])) if docs else 0.0,
        "encoders": list(ranker.encoders),
        "raw_is": "each model's own encode() called directly on the same texts",
    }
