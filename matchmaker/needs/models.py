"""Needs: policy challenges posted by government departments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.db import Base, utcnow


class NeedStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    CLOSED = "closed"
    ARCHIVED = "archived"


PUBLIC_NEED_STATUSES = (NeedStatus.PUBLISHED, NeedStatus.CLOSED)


class NeedPolicyArea(Base):
    __tablename__ = "need_policy_areas"

    need_id: Mapped[int] = mapped_column(
        ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Need(Base):
    __tablename__ = "needs"
    __table_args__ = (
        CheckConstraint("min_trl IS NULL OR (min_trl >= 1 AND min_trl <= 9)", name="min_trl_range"),
        CheckConstraint(
            "budget_min IS NULL OR budget_max IS NULL OR budget_min <= budget_max",
            name="budget_order",
        ),
        CheckConstraint("language IN ('ja', 'en')", name="language"),
        UniqueConstraint("source", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus), default=NeedStatus.DRAFT, index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ja", index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    problem: Mapped[str] = mapped_column(Text, default="")
    desired_outcome: Mapped[str] = mapped_column(Text, default="")
    constraints: Mapped[str] = mapped_column(Text, default="")
    title_translated: Mapped[str | None] = mapped_column(String(200))
    summary_translated: Mapped[str | None] = mapped_column(String(1000))
    sdg_goals: Mapped[list[int]] = mapped_column(JSON, default=list)
    budget_min: Mapped[int | None] = mapped_column(BigInteger)
    budget_max: Mapped[int | None] = mapped_column(BigInteger)
    budget_currency: Mapped[str] = mapped_column(String(3), default="JPY")
    demo_site: Mapped[str] = mapped_column(String(500), default="")
    timeline: Mapped[str] = mapped_column(String(1000), default="")
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    min_trl: Mapped[int | None] = mapped_column()
    # Where an imported need came from (e.g. "challenge.gov" and its challenge id); a re-import
    # updates the same row.
    source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(100))
    source_url: Mapped[str] = mapped_column(String(500), default="")
    review_comment: Mapped[str | None] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    policy_area_rows: Mapped[list[NeedPolicyArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def policy_areas(self) -> list[str]:
        return sorted(row.code for row in self.policy_area_rows)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_NEED_STATUSES


# the list page's order (newest first): without it every search sorts all its hits
Index(
    "ix_needs_newest",
    func.coalesce(Need.published_at, Need.submitted_at, Need.created_at).desc(),
    Need.id.desc(),
)


class RevisionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class NeedRevision(Base):
    """An edit to a need with an open call: the published text stays until a coordinator
    approves it, then followers and applicants hear of the change."""

    __tablename__ = "need_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    status: Mapped[RevisionStatus] = mapped_column(
        enum_column(RevisionStatus), default=RevisionStatus.PENDING, index=True
    )
    data: Mapped[dict] = mapped_column(JSON, default=dict)  # the proposed NeedData fields
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    need: Mapped[Need] = relationship()
