"""A joint demonstration project (共同実証実験): parties, agreement, milestones, KPIs, updates."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import Organization, User, enum_column
from matchmaker.calls.models import Call
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.needs.models import Need
from matchmaker.proposals.models import Proposal
from matchmaker.seeds.models import Seed
from matchmaker.uploads.models import Attachment


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    RUNNING = "running"
    COMPLETED = "completed"
    ADOPTED = "adopted"  # the department decided on full adoption
    NOT_ADOPTED = "not_adopted"


FINISHED_PROJECT_STATUSES = (
    ProjectStatus.COMPLETED,
    ProjectStatus.ADOPTED,
    ProjectStatus.NOT_ADOPTED,
)


class MilestoneStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    MISSED = "missed"


class KpiDirection(StrEnum):
    INCREASE = "increase"  # met when actual >= target
    DECREASE = "decrease"  # met when actual <= target


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (
        CheckConstraint(
            "starts_on IS NULL OR ends_on IS NULL OR starts_on <= ends_on", name="start_before_end"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), unique=True
    )  # one project per selected proposal: a retried "start project" never makes two
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="RESTRICT"), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="RESTRICT"), index=True)
    department_org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    provider_org_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT"), index=True
    )
    seed_id: Mapped[int | None] = mapped_column(ForeignKey("seeds.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[ProjectStatus] = mapped_column(
        enum_column(ProjectStatus), default=ProjectStatus.PLANNED, index=True
    )
    language: Mapped[str] = mapped_column(String(2), default="ja")
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")  # the solution being piloted
    # Department's part: the framework agreement and the adoption decision.
    agreement_date: Mapped[date | None] = mapped_column(Date)
    agreement_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    adoption_reason: Mapped[str] = mapped_column(Text, default="")
    # Provider's part: the final report.
    final_report: Mapped[str] = mapped_column(Text, default="")
    final_report_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    # The public result page.
    outcome: Mapped[str] = mapped_column(Text, default="")  # plain-words outcome for readers
    contact_name: Mapped[str] = mapped_column(String(120), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    search_text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship()
    call: Mapped[Call] = relationship()
    need: Mapped[Need] = relationship()
    seed: Mapped[Seed | None] = relationship()
    department: Mapped[Organization] = relationship(foreign_keys=[department_org_id])
    provider: Mapped[Organization] = relationship(foreign_keys=[provider_org_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    agreement_attachment: Mapped[Attachment | None] = relationship(
        foreign_keys=[agreement_attachment_id]
    )
    final_report_attachment: Mapped[Attachment | None] = relationship(
        foreign_keys=[final_report_attachment_id]
    )
    milestones: Mapped[list[Milestone]] = relationship(
        cascade="all, delete-orphan", order_by="(Milestone.due_on, Milestone.id)"
    )
    kpis: Mapped[list[Kpi]] = relationship(cascade="all, delete-orphan", order_by="Kpi.id")
    updates: Mapped[list[ProgressUpdate]] = relationship(
        cascade="all, delete-orphan", order_by="ProgressUpdate.created_at.desc()"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_public(self) -> bool:
        return self.published_at is not None and self.status in FINISHED_PROJECT_STATUSES


class Milestone(Base):
    __tablename__ = "project_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_column(MilestoneStatus), default=MilestoneStatus.PENDING
    )
    evidence: Mapped[str] = mapped_column(Text, default="")
    evidence_attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("attachments.id", ondelete="SET NULL")
    )
    completed_on: Mapped[date | None] = mapped_column(Date)

    evidence_attachment: Mapped[Attachment | None] = relationship()


class Kpi(Base):
    __tablename__ = "project_kpis"
    __table_args__ = (UniqueConstraint("project_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[KpiDirection] = mapped_column(
        enum_column(KpiDirection), default=KpiDirection.INCREASE
    )
    baseline: Mapped[float | None] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    measured_on: Mapped[date | None] = mapped_column(Date)

    @property
    def is_met(self) -> bool | None:
        """None until measured; then whether the actual reached the target in its direction."""
        if self.actual is None:
            return None
        if self.direction is KpiDirection.DECREASE:
            return self.actual <= self.target
        return self.actual >= self.target


class ProgressUpdate(Base):
    __tablename__ = "project_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[ProgressAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="ProgressAttachment.id"
    )


class ProgressAttachment(Base):
    __tablename__ = "project_update_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(
        ForeignKey("project_updates.id", ondelete="CASCADE"), index=True
    )
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id", ondelete="RESTRICT"), unique=True
    )

    attachment: Mapped[Attachment] = relationship(lazy="joined")
