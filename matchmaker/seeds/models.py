"""Seeds: technologies and ideas registered by startups, universities, NPOs and companies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.db import Base, utcnow


class SeedStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class SeedPolicyArea(Base):
    __tablename__ = "seed_policy_areas"

    seed_id: Mapped[int] = mapped_column(
        ForeignKey("seeds.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Seed(Base):
    __tablename__ = "seeds"
    __table_args__ = (
        CheckConstraint("trl >= 1 AND trl <= 9", name="trl_range"),
        CheckConstraint("language IN ('ja', 'en')", name="language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[SeedStatus] = mapped_column(
        enum_column(SeedStatus), default=SeedStatus.DRAFT, index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ja", index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(1000))
    description: Mapped[str] = mapped_column(Text, default="")
    title_translated: Mapped[str | None] = mapped_column(String(200))
    summary_translated: Mapped[str | None] = mapped_column(String(1000))
    trl: Mapped[int] = mapped_column(index=True)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    track_record: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(500), default="")
    ready_for_pilot: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship()
    policy_area_rows: Mapped[list[SeedPolicyArea]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def policy_areas(self) -> list[str]:
        return sorted(row.code for row in self.policy_area_rows)

    @property
    def is_public(self) -> bool:
        return self.status is SeedStatus.PUBLISHED
