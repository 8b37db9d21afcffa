"""Embeddings persisted per record and model, and the stamp that keeps processes in step."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.db import Base, utcnow


class Embedding(Base):
    """One vector of one need or seed under one model; `text_hash` says what was encoded."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("entity_type", "entity_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(8))  # "need" | "seed"
    entity_id: Mapped[int] = mapped_column(Integer)
    model: Mapped[str] = mapped_column(String(100))
    text_hash: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    revision: Mapped[int] = mapped_column(Integer, index=True)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    # the explainer model's row only: its sentences (explain.pack_sentences) and what they were
    sentence_hash: Mapped[str | None] = mapped_column(String(64))
    sentence_vectors: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)


class IndexState(Base):
    """A counter bumped on every embedding write; a process whose copy is older reloads."""

    __tablename__ = "matching_index_state"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class MatchDecision(Base):
    """A coordinator's accept/reject of a need × seed pair: a label for the learner."""

    __tablename__ = "match_decisions"
    __table_args__ = (UniqueConstraint("need_id", "seed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    seed_id: Mapped[int] = mapped_column(ForeignKey("seeds.id", ondelete="CASCADE"), index=True)
    accepted: Mapped[bool] = mapped_column()
    signals: Mapped[dict] = mapped_column(JSON, default=dict)  # signal values when decided
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
