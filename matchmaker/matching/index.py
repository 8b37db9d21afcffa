"""The in-memory index of one process: published seeds and published needs, each in a
HybridRanker built from stored vectors, kept in step with the database's revision counter."""

from __future__ import annotations

import threading

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.matching.documents import Doc
from matchmaker.matching.filters import Filters
from matchmaker.matching.models import Embedding
from matchmaker.matching.ranker import EmptyCorpus, HybridRanker, Match
from matchmaker.matching.records import (
    NEED,
    SEED,
    doc_for,
    is_matchable,
    load_records,
    published_ids,
)
from matchmaker.matching.store import current_revision, stored_vectors

# below this many documents the TF-IDF vocabulary is refitted after each change (well under a
# second); above it, new documents use the fitted vocabulary until a tenth of the corpus changed
REFIT_ALWAYS_BELOW = 300


class MatchIndex:
    """Two rankers and the revision they reflect; never encodes a stored record again."""

    def __init__(self, encoders: dict, config: dict):
        self.encoders = encoders
        self.models = {signal: encoder.name for signal, encoder in encoders.items()}
        self.weights = dict(config.get("fusion", {}).get("weights", {}))
        self.lexical = config.get("lexical") or {}
        self.rankers = {NEED: self._ranker(), SEED: self._ranker()}
        self.changed_since_fit = {NEED: 0, SEED: 0}
        self.revision: int | None = None
        self.stamp = None
        self.lock = threading.RLock()

    def _ranker(self) -> HybridRanker:
        return HybridRanker(self.encoders, self.weights, lexical=self.lexical)

    # --- keeping in step ----------------------------------------------------------------
    def refresh(self, session: Session) -> None:
        """Load what changed since the revision this process holds (everything the first time,
        or when the counter went backwards, as after a restore)."""
        revision, stamp = current_revision(session)
        with self.lock:
            if self.revision == revision and self.stamp == stamp:
                return
            if self.revision is None or revision <= self.revision:
                self.load_all(session)
            else:
                self.load_changed(session, self.revision)
            self.revision, self.stamp = revision, stamp

    def load_all(self, session: Session) -> None:
        loaded = {}
        for entity_type in (NEED, SEED):
            ids = published_ids(session, entity_type)
            records = load_records(session, entity_type, ids)
            vectors = stored_vectors(session, entity_type, self.models)
            loaded[entity_type] = self._complete(entity_type, records, vectors)
        for entity_type, other in ((NEED, SEED), (SEED, NEED)):
            docs, matrices = loaded[entity_type]
            # the IDF is learnt over both sides, so a term common in seeds weighs less there
            vocabulary = [d.text for d in loaded[other][0]]
            self.rankers[entity_type] = self._ranker().build(
                docs, matrices, vocabulary_texts=vocabulary
            )
            self.changed_since_fit[entity_type] = 0

    def load_changed(self, session: Session, since: int) -> None:
        changed = session.execute(
            select(Embedding.entity_type, Embedding.entity_id)
            .where(Embedding.revision > since)
            .distinct()
        ).all()
        for entity_type in (NEED, SEED):
            ids = {entity_id for kind, entity_id in changed if kind == entity_type}
            if not ids:
                continue
            records = load_records(session, entity_type, ids)
            matchable = {i: r for i, r in records.items() if is_matchable(entity_type, r)}
            vectors = stored_vectors(session, entity_type, self.models, matchable)
            docs, matrices = self._complete(entity_type, matchable, vectors)
            ranker = self.rankers[entity_type]
            ranker.remove(ids - {d.id for d in docs})
            if docs:
                ranker.upsert(docs, matrices)
            self.changed_since_fit[entity_type] += len(docs)
            self._maybe_refit(entity_type)

    def _complete(self, entity_type: str, records: dict, vectors: dict):
        """Documents of the records that have a vector under every model, with their matrices."""
        docs = [
            doc_for(entity_type, record)
            for record_id, record in sorted(records.items())
            if all(record_id in vectors[signal] for signal in self.models)
        ]
        matrices = {
            signal: (
                np.vstack([vectors[signal][d.id] for d in docs]).astype(np.float32)
                if docs
                else np.zeros((0, self.encoders[signal].dim), dtype=np.float32)
            )
            for signal in self.models
        }
        return docs, matrices

    def _maybe_refit(self, entity_type: str) -> None:
        ranker = self.rankers[entity_type]
        size = len(ranker.docs)
        if size and (size < REFIT_ALWAYS_BELOW or self.changed_since_fit[entity_type] * 10 >= size):
            other = self.rankers[SEED if entity_type == NEED else NEED]
            vocabulary = [d.text for d, on in zip(other.docs, other.active, strict=True) if on]
            ranker.lexical.fit([d.text for d in ranker.docs], vocabulary)
            self.changed_since_fit[entity_type] = 0

    # --- ranking ------------------------------------------------------------------------
    def size(self, entity_type: str) -> int:
        return len(self.rankers[entity_type])

    def stored_query_vectors(self, entity_type: str, doc: Doc) -> dict | None:
        """A published record's own vectors, when its text has not changed since encoding."""
        ranker = self.rankers[entity_type]
        row = ranker.row_of.get(doc.id)
        if row is None or not ranker.active[row] or ranker.docs[row].text_hash != doc.text_hash:
            return None
        return {signal: matrix[row] for signal, matrix in ranker.vectors.items()}

    def rank(
        self,
        query_type: str,
        query: Doc,
        corpus_type: str,
        top_k: int = 10,
        filters: Filters | None = None,
        diversity: float = 0.0,
    ) -> list[Match]:
        """Rank the published records of `corpus_type` for a record of `query_type`."""
        with self.lock:
            ranker = self.rankers[corpus_type]
            if not len(ranker):
                raise EmptyCorpus("nothing published to rank against")
            return ranker.rank(
                query,
                top_k=top_k,
                filters=filters,
                diversity=diversity,
                query_vectors=self.stored_query_vectors(query_type, query),
                explain=True,
            )
