"""Embeddings in the database: encode what changed, store it, and stamp a new index revision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaker.db import utcnow
from matchmaker.matching.documents import Doc
from matchmaker.matching.explain import (
    encode_sentences,
    explainer_signal,
    pack_sentences,
    sentence_hash,
    sentences_of,
)
from matchmaker.matching.models import Embedding, IndexState
from matchmaker.matching.records import doc_for, is_matchable, load_records

STATE_NAME = "embeddings"
Progress = Callable[[int], None]


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4")


def current_revision(session: Session) -> tuple[int, object]:
    """The stamp other processes compare with theirs: one small query per ranking."""
    row = session.execute(
        select(IndexState.revision, IndexState.updated_at).where(IndexState.name == STATE_NAME)
    ).first()
    return (int(row.revision), row.updated_at) if row else (0, None)


def bump_revision(session: Session) -> int:
    """Increment the counter (the UPDATE locks the row until commit, so writers take turns)."""
    result = session.execute(
        update(IndexState)
        .where(IndexState.name == STATE_NAME)
        .values(revision=IndexState.revision + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(IndexState(name=STATE_NAME, revision=1))
            return 1
        except IntegrityError:  # another process created the row at the same moment
            return bump_revision(session)
    return int(
        session.scalar(select(IndexState.revision).where(IndexState.name == STATE_NAME)) or 0
    )


@dataclass
class SyncPlan:
    """What one pass over some records has to do, per encoder signal."""

    docs: dict[int, Doc] = field(default_factory=dict)  # matchable records
    to_encode: dict[str, list[Doc]] = field(default_factory=dict)
    rows: dict[tuple[int, str], Embedding] = field(default_factory=dict)
    unmatchable: list[int] = field(default_factory=list)  # with stored rows to touch
    explainer: str | None = None  # the signal whose rows also hold sentence vectors
    sentences: list[Doc] = field(default_factory=list)  # records whose sentences to encode

    @property
    def encoded_ids(self) -> set[int]:
        return {d.id for docs in self.to_encode.values() for d in docs}

    @property
    def texts(self) -> int:
        return sum(len(docs) for docs in self.to_encode.values())

    @property
    def steps(self) -> int:
        """Progress units: one per text encoded, one per record whose sentences are encoded."""
        return self.texts + len(self.sentences)


@dataclass
class SyncResult:
    encoded: int = 0
    skipped: int = 0
    removed: int = 0
    sentences: int = 0  # records whose sentence vectors were encoded
    revision: int | None = None


def plan_sync(
    session: Session, entity_type: str, ids, encoders: dict, force: bool = False
) -> SyncPlan:
    """Which records need encoding: new ones, and those whose text or model changed; and whose
    sentence vectors (the explainer's row) are missing or stale."""
    ids = sorted(set(ids))
    records = load_records(session, entity_type, ids)
    plan = SyncPlan()
    for start in range(0, len(ids), 500):
        stmt = select(Embedding).where(
            Embedding.entity_type == entity_type,
            Embedding.entity_id.in_(ids[start : start + 500]),
        )
        plan.rows.update({(e.entity_id, e.model): e for e in session.scalars(stmt)})
    plan.docs = {
        i: doc_for(entity_type, r) for i, r in records.items() if is_matchable(entity_type, r)
    }
    stored_ids = {entity_id for entity_id, _model in plan.rows}
    plan.unmatchable = [i for i in ids if i not in plan.docs and i in stored_ids]
    for signal, encoder in encoders.items():
        plan.to_encode[signal] = [
            doc
            for doc in plan.docs.values()
            if force
            or (row := plan.rows.get((doc.id, encoder.name))) is None
            or row.text_hash != doc.text_hash
            or row.dim != encoder.dim
        ]
    plan.explainer = explainer_signal(encoders)
    if plan.explainer is not None:
        model = encoders[plan.explainer].name
        revectored = {doc.id for doc in plan.to_encode[plan.explainer]}
        plan.sentences = [
            doc
            for doc in plan.docs.values()
            if doc.id in revectored
            or plan.rows[(doc.id, model)].sentence_hash != sentence_hash(sentences_of(doc))
        ]
    return plan


def sync(
    session: Session,
    entity_type: str,
    ids,
    encoders: dict,
    *,
    force: bool = False,
    touch: bool = True,
    progress: Progress | None = None,
    batch_size: int = 32,
) -> SyncResult:
    """Encode and store what changed; with `touch`, also restamp unchanged rows so every process
    reloads their filters (policy areas, TRL) and drops records that left the published state.
    Sentence vectors alone do not change the index: filling them bumps no revision."""
    plan = plan_sync(session, entity_type, ids, encoders, force)
    encoded = plan.encoded_ids
    result = SyncResult(
        encoded=len(encoded),
        skipped=len(plan.docs) - len(encoded),
        removed=len(plan.unmatchable),
        sentences=len(plan.sentences),
    )
    if not encoded and not plan.unmatchable and not (touch and plan.docs):
        if plan.sentences:
            _store_sentences(session, plan, encoders, progress, batch_size)
            session.flush()
        return result
    revision = bump_revision(session)
    result.revision = revision
    for signal, encoder in encoders.items():
        docs = plan.to_encode[signal]
        for start in range(0, len(docs), batch_size):
            batch = docs[start : start + batch_size]
            vectors = encoder.encode([d.text for d in batch], batch_size)
            for doc, vector in zip(batch, vectors, strict=True):
                _store(session, plan, entity_type, doc, encoder, vector, revision)
            if progress:
                progress(len(batch))
    _store_sentences(session, plan, encoders, progress, batch_size)
    touched = set(plan.unmatchable)
    if touch:
        touched |= set(plan.docs) - encoded
    for (entity_id, _model), row in plan.rows.items():
        if entity_id in touched:
            row.revision = revision
    session.flush()
    return result


def _store(session, plan: SyncPlan, entity_type, doc: Doc, encoder, vector, revision) -> None:
    row = plan.rows.get((doc.id, encoder.name))
    if row is None:
        row = Embedding(entity_type=entity_type, entity_id=doc.id, model=encoder.name)
        session.add(row)
        plan.rows[(doc.id, encoder.name)] = row
    row.text_hash = doc.text_hash
    row.dim = encoder.dim
    row.vector = to_bytes(vector)
    row.revision = revision


def _store_sentences(session, plan: SyncPlan, encoders, progress, batch_size: int) -> None:
    """The explainer's vectors of each sentence, kept in the record's row of that model (which
    exists: a record without one was just encoded)."""
    if plan.explainer is None:
        return
    encoder = encoders[plan.explainer]
    for start in range(0, len(plan.sentences), batch_size):
        batch = plan.sentences[start : start + batch_size]
        lists = [sentences_of(doc) for doc in batch]
        for doc, sentences, vectors in zip(
            batch, lists, encode_sentences(encoder, lists), strict=True
        ):
            row = plan.rows[(doc.id, encoder.name)]
            row.sentence_hash = sentence_hash(sentences)
            row.sentence_vectors = pack_sentences(vectors)
        if progress:
            progress(len(batch))


def stored_sentences(session: Session, model: str, wanted: dict[str, list]) -> dict:
    """(sentence_hash, packed vectors) by (entity type, id) for a match list's records, in one
    query: {"need": [3], "seed": [8, 13]} -> {("seed", 8): (...), ...}."""
    sides = [
        and_(Embedding.entity_type == kind, Embedding.entity_id.in_(sorted(set(ids))))
        for kind, ids in wanted.items()
        if ids
    ]
    if not sides:
        return {}
    stmt = select(
        Embedding.entity_type,
        Embedding.entity_id,
        Embedding.sentence_hash,
        Embedding.sentence_vectors,
    ).where(Embedding.model == model, or_(*sides))
    return {(kind, i): (digest, data) for kind, i, digest, data in session.execute(stmt)}


def sentence_reader(session: Session, query_type: str, corpus_type: str):
    """explain.StoredSentences for ranking `corpus_type` records for a `query_type` record."""
    kinds = {"query": query_type, "match": corpus_type}

    def read(model: str, wanted: dict[str, list]) -> dict:
        by_kind: dict[str, list] = {}
        for side, ids in wanted.items():
            by_kind.setdefault(kinds[side], []).extend(ids)
        rows = stored_sentences(session, model, by_kind)
        return {
            (side, i): rows[(kinds[side], i)]
            for side, ids in wanted.items()
            for i in ids
            if (kinds[side], i) in rows
        }

    return read


def stored_vectors(
    session: Session, entity_type: str, models: dict[str, str], ids=None
) -> dict[str, dict[int, np.ndarray]]:
    """Stored vectors by signal and record id (all records of the type when ids is None)."""
    by_model = {model: signal for signal, model in models.items()}
    out: dict[str, dict[int, np.ndarray]] = {signal: {} for signal in models}
    base = select(Embedding.entity_id, Embedding.model, Embedding.vector).where(
        Embedding.entity_type == entity_type, Embedding.model.in_(list(by_model))
    )
    chunks = [None] if ids is None else [sorted(ids)[i : i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        stmt = base if chunk is None else base.where(Embedding.entity_id.in_(chunk))
        for entity_id, model, vector in session.execute(stmt):
            out[by_model[model]][entity_id] = from_bytes(vector)
    return out
