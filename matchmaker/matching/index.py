"""The in-memory index of one process: published seeds and published needs, each in a
HybridRanker built from stored vectors, kept in step with the database's revision counter."""

from __future__ import annotations

import threading
import time

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaker.matching.documents import Doc
from matchmaker.matching.filters import Filters
from matchmaker.matching.lexical import LexicalScorer
from matchmaker.matching.models import Embedding
from matchmaker.matching.ranker import EmptyCorpus, HybridRanker, Match
from matchmaker.matching.records import NEED, SEED, published_docs, published_ids
from matchmaker.matching.store import current_revision, stored_vectors

# below this many documents (needs and seeds together) the shared TF-IDF vocabulary is refitted
# after each change (well under a second); above it, new documents use the fitted vocabulary
# until a tenth of the corpus changed
REFIT_ALWAYS_BELOW = 300


class MatchIndex:
    """Two rankers and the revision they reflect; never encodes a stored record again."""

    def __init__(self, encoders: dict, config: dict):
        self.encoders = encoders
        self.models = {signal: encoder.name for signal, encoder in encoders.items()}
        self.weights = dict(config.get("fusion", {}).get("weights", {}))
        self.centred = config.get("fusion", {}).get("centred") or {}
        self.lexical = config.get("lexical") or {}
        self.rankers = {NEED: self._ranker(), SEED: self._ranker()}
        self.changed_since_fit = {NEED: 0, SEED: 0}
        self.revision: int | None = None
        self.stamp = None
        self.lock = threading.RLock()
        # how far a full load is (records read of all published), for "being prepared" pages
        self.progress = {"done": 0, "total": 0, "started": time.monotonic()}
        self.generation = 0  # bumped by every incremental change (a refit checks it)
        self.defer_refit = False  # served workers: no refit inside a request
        self.refit_due = False

    def _ranker(self) -> HybridRanker:
        return HybridRanker(self.encoders, self.weights, lexical=self.lexical, centred=self.centred)

    # --- keeping in step ----------------------------------------------------------------
    def refresh(self, session: Session) -> None:
        """Load what changed since the revision this process holds (everything the first time,
        or when the counter went backwards, as after a restore)."""
        revision, stamp = current_revision(session)
        with self.lock:
            if self.revision == revision and self.stamp == stamp:
                return
            if self.needs_full_load(revision, stamp):
                self.load_all(session)
            else:
                self.load_changed(session, self.revision)
            self.revision, self.stamp = revision, stamp

    def needs_full_load(self, revision: int, stamp) -> bool:
        """Nothing loaded yet, or the counter did not move forward (a restore) while the stamp
        changed: the changes since our revision cannot be told apart, so load everything."""
        if self.revision is None:
            return True
        return revision <= self.revision and (revision, stamp) != (self.revision, self.stamp)

    def load_all(self, session: Session) -> None:
        """Every published record: columns read once, TF-IDF fitted once over both sides."""
        self.progress.update(done=0, total=0, started=time.monotonic())
        self.progress["total"] = sum(len(published_ids(session, t)) for t in (NEED, SEED))
        loaded = {}
        for entity_type in (NEED, SEED):
            docs = published_docs(session, entity_type)
            vectors = stored_vectors(session, entity_type, self.models)
            loaded[entity_type] = self._complete(entity_type, docs, vectors)
            self.progress["done"] += len(docs)
        # the IDF is learnt over both sides, so a term common in seeds weighs less there
        scorers = LexicalScorer(**self.lexical).fit_sides(
            [[d.text for d in loaded[t][0]] for t in (NEED, SEED)]
        )
        for entity_type, scorer in zip((NEED, SEED), scorers, strict=True):
            docs, matrices = loaded[entity_type]
            self.rankers[entity_type] = self._ranker().build(docs, matrices, lexical=scorer)
            self.changed_since_fit[entity_type] = 0
        self.generation += 1
        self.refit_due = False

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
            matchable = published_docs(session, entity_type, ids)
            vectors = stored_vectors(session, entity_type, self.models, matchable)
            docs, matrices = self._complete(entity_type, matchable, vectors)
            ranker = self.rankers[entity_type]
            ranker.remove(ids - {d.id for d in docs})
            if docs:
                ranker.upsert(docs, matrices)
            self.changed_since_fit[entity_type] += len(docs)
        if changed:
            self.generation += 1
            self._maybe_refit()

    def _complete(self, entity_type: str, docs: dict, vectors: dict):
        """The documents that have a vector under every model, with their matrices."""
        docs = [
            doc
            for doc_id, doc in sorted(docs.items())
            if all(doc_id in vectors[signal] for signal in self.models)
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

    def _maybe_refit(self) -> None:
        """Refit the shared TF-IDF when the corpus is small or a tenth of it changed since the
        last fit; until then new documents use the fitted vocabulary."""
        size = sum(len(ranker.docs) for ranker in self.rankers.values())
        changed = sum(self.changed_since_fit.values())
        if size and (size < REFIT_ALWAYS_BELOW or changed * 10 >= size):
            if self.defer_refit:
                self.refit_due = True  # a served worker refits in a thread (warmup.py)
            else:
                self.refit_lexical()

    def refit_lexical(self) -> bool:
        """One fit over the live documents of both sides; removed rows keep no postings.
        The fit runs outside the lock (rankings go on meanwhile); its result is dropped, and
        stays due, if documents changed in between. True when the new fit is in place."""
        with self.lock:
            generation = self.generation
            rows = {t: np.flatnonzero(self.rankers[t].active) for t in (NEED, SEED)}
            sides = [[self.rankers[t].docs[i].text for i in rows[t]] for t in (NEED, SEED)]
        scorers = LexicalScorer(**self.lexical).fit_sides(sides)
        with self.lock:
            if generation != self.generation:
                return False
            for entity_type, scorer in zip((NEED, SEED), scorers, strict=True):
                ranker = self.rankers[entity_type]
                ranker.lexical = scorer.spread(rows[entity_type], len(ranker.docs))
                self.changed_since_fit[entity_type] = 0
            self.refit_due = False
            return True

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
        stored_sentences=None,
    ) -> list[Match]:
        """Rank the published records of `corpus_type` for a record of `query_type`;
        `stored_sentences` (store.sentence_reader) spares encoding the explanations' sentences."""
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
                stored_sentences=stored_sentences,
            )
