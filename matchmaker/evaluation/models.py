"""Reviewer assignments, declared conflicts of interest and per-criterion scores."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.calls.models import Call, CallCriterion
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.proposals.models import Proposal


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    COMPLETED = "completed"  # the reviewer said they are done (can reopen while evaluating)
    REMOVED = "removed"


class ReviewerAssignment(Base):
    __tablename__ = "reviewer_assignments"
    __table_args__ = (UniqueConstraint("call_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.ASSIGNED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    call: Mapped[Call] = relationship()
    reviewer: Mapped[User] = relationship(foreign_keys=[reviewer_id])

    __mapper_args__ = {"version_id_col": version}


class ConflictOfInterest(Base):
    """A reviewer's declared conflict with an organization, for one call."""

    __tablename__ = "conflicts_of_interest"
    __table_args__ = (UniqueConstraint("call_id", "reviewer_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship()


class Score(Base):
    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("proposal_id", "reviewer_id", "criterion_id"),
        CheckConstraint("value >= 1 AND value <= 5", name="value_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("call_criteria.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column()
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    proposal: Mapped[Proposal] = relationship()
    criterion: Mapped[CallCriterion] = relationship()
