"""Ranking quality on the shared development sets, beside baselines computed in the same run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from matchmaker.matching import dense
from matchmaker.matching.datasets import read_docs, read_qrels, swap_qrels
from matchmaker.matching.documents import Doc
from matchmaker.matching.evaluation import evaluate
from matchmaker.matching.learner import cross_validate

K = 10
SINGLE_SIGNALS = {
    "semantic": {"semantic": 1.0},
    "multilingual": {"multilingual": 1.0},
    "lexical": {"lexical_word": 1.0, "lexical_char": 1.0},
}


@dataclass
class Dataset:
    name: str
    needs: list[Doc]
    seeds: list[Doc]
    qrels: dict


def load_dataset(directory: Path, limit: int | None = None) -> Dataset:
    """needs, seeds and qrels of one set; `limit` keeps the first needs (and their seeds)."""
    needs = read_docs(directory / "needs.jsonl", limit=limit)
    seeds = read_docs(directory / "seeds.jsonl")
    qrels = read_qrels(directory / "qrels.jsonl")
    return Dataset(directory.name, needs, seeds, qrels)


def baseline_text(doc: Doc) -> str:
    """Title + description, as the shared README's baselines use them."""
    return f"{doc.title} {doc.body}".strip()


def word_tfidf() -> TfidfVectorizer:
    """The TF-IDF baseline of ../shared/data/README.md, exactly."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, stop_words="english", min_df=2)


def char_tfidf() -> TfidfVectorizer:
    """The character TF-IDF baseline for Japanese (DECISIONS.md)."""
    return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)


def top_ids(scores: np.ndarray, ids: list, k: int = K) -> list:
    k = min(k, len(ids))
    top = np.argpartition(-scores, k - 1)[:k]
    return [ids[i] for i in top[np.argsort(-scores[top], kind="stable")]]


def tfidf_rankings(vectorizer, needs: list[Doc], seeds: list[Doc]) -> dict:
    """Cosine over TF-IDF fitted on the seed side (the side being searched)."""
    try:
        matrix = vectorizer.fit_transform([baseline_text(d) for d in seeds])
    except ValueError:  # no term survives (a tiny corpus with min_df=2): the baseline finds nothing
        scores = np.zeros((len(needs), len(seeds)))
    else:
        queries = vectorizer.transform([baseline_text(d) for d in needs])
        scores = (queries @ matrix.T).toarray()
    ids = [d.id for d in seeds]
    return {n.id: top_ids(scores[i], ids) for i, n in enumerate(needs)}


def cosine_rankings(query_vectors: np.ndarray, corpus_vectors: np.ndarray, needs, seeds) -> dict:
    scores = query_vectors @ corpus_vectors.T
    ids = [d.id for d in seeds]
    return {n.id: top_ids(scores[i], ids) for i, n in enumerate(needs)}


def rank_all(ranker, queries: list[Doc], vectors: dict, top_k: int = K, weights=None) -> dict:
    """The ranker's matches for every query (explanations off), optionally other weights."""
    saved = ranker.weights
    if weights is not None:
        ranker.weights = weights
    try:
        return {
            q.id: ranker.rank(
                q,
                top_k=top_k,
                query_vectors={name: m[i] for name, m in vectors.items()},
                explain=False,
            )
            for i, q in enumerate(queries)
        }
    finally:
        ranker.weights = saved


def ids_of(matches_by_query: dict, k: int = K) -> dict:
    return {q: [m.id for m in matches[:k]] for q, matches in matches_by_query.items()}


def scored(rankings: dict, needs: list[Doc], qrels: dict) -> dict:
    """Metrics over all needs, then over even- and odd-indexed needs (the two CV halves)."""
    result = evaluate(rankings, {n.id: qrels.get(n.id, set()) for n in needs}, K)
    result["halves"] = {
        half: evaluate(rankings, {n.id: qrels.get(n.id, set()) for n in part}, K)
        for half, part in (("even", needs[0::2]), ("odd", needs[1::2]))
    }
    return result


def sbir_quality(data: Dataset, ranker, need_vectors: dict, config: dict) -> dict:
    """Platform, TF-IDF, primary encoder alone and each single signal; learner CV."""
    full = rank_all(ranker, data.needs, need_vectors, top_k=len(ranker))
    out = {
        "platform": scored(ids_of(full), data.needs, data.qrels),
        "tfidf": scored(
            tfidf_rankings(word_tfidf(), data.needs, data.seeds), data.needs, data.qrels
        ),
    }
    if "semantic" in ranker.vectors:
        primary = cosine_rankings(
            need_vectors["semantic"],
            dense.as_float32(ranker.vectors["semantic"]),
            data.needs,
            data.seeds,
        )
        out["primary_encoder"] = scored(primary, data.needs, data.qrels)
    out["signals"] = {}
    for name, weights in SINGLE_SIGNALS.items():
        if name != "lexical" and name not in ranker.vectors:
            continue  # that encoder is not configured
        single = rank_all(ranker, data.needs, need_vectors, weights=weights)
        out["signals"][name] = scored(ids_of(single), data.needs, data.qrels)
    seeds = {d.id: d for d in data.seeds}
    out["learner"] = cross_validate(data.needs, full, data.qrels, seeds=seeds, config=config)
    return out


def jsquad_quality(data: Dataset, ranker, need_vectors: dict) -> dict:
    platform = ids_of(rank_all(ranker, data.needs, need_vectors))
    baseline = tfidf_rankings(char_tfidf(), data.needs, data.seeds)
    return {
        "platform": scored(platform, data.needs, data.qrels),
        "char_tfidf": scored(baseline, data.needs, data.qrels),
    }


def accuracy_at_1(rankings: dict, qrels: dict) -> float:
    judged = [q for q in rankings if qrels.get(q)]
    if not judged:
        return 0.0
    return sum(1 for q in judged if rankings[q][:1] and rankings[q][0] in qrels[q]) / len(judged)


def tatoeba_quality(data: Dataset, ja_ranker, en_ranker, vectors: dict) -> dict:
    """Japanese → English (needs → seeds) and English → Japanese (seeds → needs), acc@1."""
    ja_to_en = ids_of(rank_all(ja_ranker, data.needs, vectors["needs"], top_k=1), 1)
    en_to_ja = ids_of(rank_all(en_ranker, data.seeds, vectors["seeds"], top_k=1), 1)
    return {
        "ja_to_en_acc@1": accuracy_at_1(ja_to_en, data.qrels),
        "en_to_ja_acc@1": accuracy_at_1(en_to_ja, swap_qrels(data.qrels)),
        "queries": len(data.needs),
    }
