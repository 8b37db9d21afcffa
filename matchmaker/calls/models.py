"""Calls for proposals, their weighted criteria, documents and public questions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.needs.models import Need
from matchmaker.uploads.models import Attachment


class CallStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # published, opens at opens_at
    OPEN = "open"
    UNDER_EVALUATION = "under_evaluation"  # closed to submissions, reviewers score
    DECIDED = "decided"  # results announced
    CANCELLED = "cancelled"


PUBLIC_CALL_STATUSES = (
    CallStatus.SCHEDULED,
    CallStatus.OPEN,
    CallStatus.UNDER_EVALUATION,
    CallStatus.DECIDED,
)


class Call(Base):
    __tablename__ = "calls"
    __table_args__ = (
        CheckConstraint("opens_at < closes_at", name="open_before_close"),
        CheckConstraint("budget_max IS NULL OR budget_max >= 0", name="budget_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )  # the department that owns the need
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[CallStatus] = mapped_column(
        enum_column(CallStatus), default=CallStatus.DRAFT, index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ja")
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    eligibility: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    budget_max: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str] = mapped_column(String(3), default="JPY")
    pilot_period: Mapped[str] = mapped_column(String(200), default="")
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need: Mapped[Need] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    criteria: Mapped[list[CallCriterion]] = relationship(
        cascade="all, delete-orphan", order_by="CallCriterion.position", lazy="selectin"
    )
    documents: Mapped[list[CallDocument]] = relationship(
        cascade="all, delete-orphan", order_by="CallDocument.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_CALL_STATUSES


class CallCriterion(Base):
    """An evaluation criterion; weights are relative (a criterion's share is weight / total)."""

    __tablename__ = "call_criteria"
    __table_args__ = (
        CheckConstraint("weight >= 1 AND weight <= 100", name="weight_range"),
        UniqueConstraint("call_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[int] = mapped_column()


class CallDocument(Base):
    __tablename__ = "call_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="RESTRICT"), unique=True
    )
    title: Mapped[str] = mapped_column(String(200), default="")

    attachment: Mapped[Attachment] = relationship(lazy="joined")


class QuestionStatus(StrEnum):
    PENDING = "pending"  # asked, visible to the asker and the call's owners only
    ANSWERED = "answered"  # answer published to everyone
    HIDDEN = "hidden"  # declined (off-topic, duplicate)


class CallQuestion(Base):
    __tablename__ = "call_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[QuestionStatus] = mapped_column(
        enum_column(QuestionStatus), default=QuestionStatus.PENDING
    )
    body: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
