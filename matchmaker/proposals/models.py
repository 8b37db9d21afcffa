"""One proposal per organization per call, with its PDF attachments and final decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.calls.models import Call
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.seeds.models import Seed
from matchmaker.uploads.models import Attachment


class ProposalStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"


DECISION_STATUSES = (
    ProposalStatus.SELECTED,
    ProposalStatus.WAITLISTED,
    ProposalStatus.NOT_SELECTED,
)


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (UniqueConstraint("call_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    seed_id: Mapped[int | None] = mapped_column(ForeignKey("seeds.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus), default=ProposalStatus.DRAFT, index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    approach: Mapped[str] = mapped_column(Text, default="")
    pilot_plan: Mapped[str] = mapped_column(Text, default="")
    schedule: Mapped[str] = mapped_column(Text, default="")
    budget_amount: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str] = mapped_column(String(3), default="JPY")
    team: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    call: Mapped[Call] = relationship()
    organization: Mapped[Organization] = relationship()
    seed: Mapped[Seed | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    attachments: Mapped[list[ProposalAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ProposalAttachment.id"
    )

    __mapper_args__ = {"version_id_col": version}


class ProposalAttachment(Base):
    __tablename__ = "proposal_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="RESTRICT"), unique=True
    )

    attachment: Mapped[Attachment] = relationship(lazy="joined")
