"""The state of one need × seed pair under review, its history and private notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import User, enum_column
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.needs.models import Need
from matchmaker.seeds.models import Seed


class PairStatus(StrEnum):
    NEW = "new"
    SHORTLISTED = "shortlisted"
    DISMISSED = "dismissed"
    INVITED = "invited"


class PairReview(Base):
    """One row per reviewed pair (unique), so a retried decision updates rather than duplicates."""

    __tablename__ = "pair_reviews"
    __table_args__ = (UniqueConstraint("need_id", "seed_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    seed_id: Mapped[int] = mapped_column(ForeignKey("seeds.id", ondelete="CASCADE"), index=True)
    status: Mapped[PairStatus] = mapped_column(enum_column(PairStatus), default=PairStatus.NEW)
    reason: Mapped[str] = mapped_column(Text, default="")
    score: Mapped[float | None] = mapped_column()  # the matcher's score when last decided
    signals: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    need: Mapped[Need] = relationship()
    seed: Mapped[Seed] = relationship()
    updated_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class PairReviewEvent(Base):
    """Append-only: who moved the pair, from what to what, when and why."""

    __tablename__ = "pair_review_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_review_id: Mapped[int] = mapped_column(
        ForeignKey("pair_reviews.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()


class PairNote(Base):
    """A coordinator's private note on a pair: never shown to the department or provider."""

    __tablename__ = "pair_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_review_id: Mapped[int] = mapped_column(
        ForeignKey("pair_reviews.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
