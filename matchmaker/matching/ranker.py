"""The hybrid ranker: dense signals from each encoder, lexical signals, filters, fusion, MMR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from matchmaker.matching.documents import Doc
from matchmaker.matching.explain import Explanation, SentenceCache, explain_pair
from matchmaker.matching.filters import Filters, Metadata, filter_mask
from matchmaker.matching.fusion import fuse, pair_weights, zscore
from matchmaker.matching.lexical import LexicalScorer
from matchmaker.matching.mmr import mmr_select

Progress = Callable[[int], None]


class EmptyCorpus(ValueError):
    """There is nothing to rank against."""


@dataclass
class Match:
    id: int | str
    score: float
    signals: dict[str, float]
    why: Explanation | None = None


class HybridRanker:
    """Keeps the corpus side in memory: one float32 matrix per encoder plus TF-IDF matrices."""

    def __init__(
        self,
        encoders: dict,
        weights: dict[str, float],
        lexical: dict | None = None,
        explain_with: str = "multilingual",
    ):
        self.encoders = encoders
        self.weights = weights
        self.lexical_options = lexical or {}
        self.lexical = LexicalScorer(**self.lexical_options)
        explainer = encoders.get(explain_with) or next(iter(encoders.values()), None)
        self.sentences = SentenceCache(explainer) if explainer else None
        self.docs: list[Doc] = []
        self.row_of: dict = {}
        self.vectors: dict[str, np.ndarray] = {}
        self.meta = Metadata.empty()
        self.active = np.zeros(0, dtype=bool)

    # --- building -------------------------------------------------------------------
    def encode(
        self, docs: list[Doc], batch_size: int = 32, progress: Progress | None = None
    ) -> dict[str, np.ndarray]:
        """One matrix per encoder, in batches so a progress bar can follow."""
        texts = [d.text for d in docs]
        out = {}
        for name, encoder in self.encoders.items():
            parts = []
            for start in range(0, len(texts), batch_size):
                parts.append(encoder.encode(texts[start : start + batch_size], batch_size))
                if progress:
                    progress(len(parts[-1]))
            out[name] = np.vstack(parts) if parts else np.zeros((0, encoder.dim), dtype=np.float32)
        return out

    def build(
        self,
        docs: list[Doc],
        vectors: dict[str, np.ndarray] | None = None,
        progress: Progress | None = None,
        vocabulary_texts: list[str] | None = None,
    ) -> HybridRanker:
        """Index `docs`; `vocabulary_texts` (the other side's texts) also shape the IDF."""
        self.docs = list(docs)
        self.row_of = {d.id: i for i, d in enumerate(self.docs)}
        vectors = vectors if vectors is not None else self.encode(self.docs, progress=progress)
        self.vectors = {n: np.ascontiguousarray(v, dtype=np.float32) for n, v in vectors.items()}
        self.lexical = LexicalScorer(**self.lexical_options)
        if self.docs:
            self.lexical.fit([d.text for d in self.docs], vocabulary_texts)
        self.meta = Metadata.from_docs(self.docs)
        self.active = np.ones(len(self.docs), dtype=bool)
        return self

    def upsert(self, docs: list[Doc], vectors: dict[str, np.ndarray] | None = None) -> None:
        """Add or replace documents without re-encoding anything else."""
        if not self.docs:
            self.build(docs, vectors)
            return
        vectors = vectors if vectors is not None else self.encode(docs)
        existing = [(i, d) for i, d in enumerate(docs) if d.id in self.row_of]
        new = [(i, d) for i, d in enumerate(docs) if d.id not in self.row_of]
        if existing:
            rows = [self.row_of[d.id] for _, d in existing]
            picks = [i for i, _ in existing]
            for name in self.vectors:
                self.vectors[name][rows] = vectors[name][picks]
            for row, (_, d) in zip(rows, existing, strict=True):
                self.docs[row] = d
            self.lexical.replace_rows(rows, [d.text for _, d in existing])
            self.meta.set_rows(rows, Metadata.from_docs([d for _, d in existing]))
            self.active[rows] = True
        if new:
            picks = [i for i, _ in new]
            for name in self.vectors:
                self.vectors[name] = np.vstack([self.vectors[name], vectors[name][picks]])
            for _, d in new:
                self.row_of[d.id] = len(self.docs)
                self.docs.append(d)
            self.lexical.append([d.text for _, d in new])
            self.meta = self.meta.concat(Metadata.from_docs([d for _, d in new]))
            self.active = np.concatenate([self.active, np.ones(len(new), dtype=bool)])

    def remove(self, ids) -> None:
        for doc_id in ids:
            row = self.row_of.get(doc_id)
            if row is not None:
                self.active[row] = False

    def __len__(self) -> int:
        return int(self.active.sum())

    # --- ranking --------------------------------------------------------------------
    def dense_scores(self, query_vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {name: self.vectors[name] @ query_vectors[name] for name in self.vectors}

    def rank(
        self,
        query: Doc,
        top_k: int = 10,
        filters: Filters | None = None,
        diversity: float = 0.0,
        query_vectors: dict[str, np.ndarray] | None = None,
        explain: bool = True,
        exclude: set | None = None,
    ) -> list[Match]:
        if not len(self):
            raise EmptyCorpus("the corpus is empty: nothing to rank against")
        if query_vectors is None:
            query_vectors = {n: v[0] for n, v in self.encode([query]).items()}
        signals = self.dense_scores(query_vectors)
        lexical = self.lexical.scores([query.text])
        signals["lexical_word"] = lexical["word"][0]
        signals["lexical_char"] = lexical["char"][0]

        mask = self.active.copy()
        passed = filter_mask(self.meta, filters)
        if passed is not None:
            mask &= passed
        for doc_id in exclude or ():
            if doc_id in self.row_of:
                mask[self.row_of[doc_id]] = False
        rows = np.flatnonzero(mask)
        if not len(rows):
            return []
        candidate = {name: values[rows] for name, values in signals.items()}
        languages = self.meta.language[rows]
        fused = fuse(candidate, self.weights, query.language, languages)

        pool = min(len(rows), max(top_k * 5, 50) if diversity > 0 else top_k)
        top = np.argpartition(-fused, pool - 1)[:pool] if pool < len(rows) else np.arange(len(rows))
        top = top[np.argsort(-fused[top], kind="stable")]
        if diversity > 0:
            basis = self.vectors.get("multilingual", next(iter(self.vectors.values())))
            top = mmr_select(top, fused[top], basis[rows[top]], top_k, diversity)
        top = top[:top_k]

        normalised = {name: zscore(values) for name, values in candidate.items()}
        matches = []
        for i in top:
            doc = self.docs[rows[i]]
            pair = pair_weights(self.weights, query.language, str(languages[i]))
            weighted = {n: pair.get(n, 0.0) * float(normalised[n][i]) for n in candidate}
            match = Match(
                id=doc.id,
                score=float(fused[i]),
                signals={n: round(float(candidate[n][i]), 4) for n in candidate},
            )
            if explain:
                match.why = explain_pair(query, doc, self.lexical, self.sentences, weighted)
            matches.append(match)
        return matches
