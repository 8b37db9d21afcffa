"""What counts as overdue, defined once: the coordinator's dashboard and its tests read it here.

- a need waiting for review longer than NEED_REVIEW_DAYS since it was submitted;
- a call still under evaluation more than EVALUATION_DAYS after it closed;
- a pending milestone of a planned or running project whose due date (a Tokyo date) has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.timezone import to_tokyo
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.projects.models import Milestone, MilestoneStatus, Project, ProjectStatus

NEED_REVIEW_DAYS = 7
EVALUATION_DAYS = 14
ACTIVE_PROJECT_STATUSES = (ProjectStatus.PLANNED, ProjectStatus.RUNNING)
LIMIT = 50


@dataclass
class Overdue:
    """The three kinds of late work, each oldest first."""

    needs: list[Need] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    milestones: list[tuple[Milestone, Project]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.needs) + len(self.calls) + len(self.milestones)


def need_submitted_at():
    """When a need entered review (older rows may lack submitted_at)."""
    return func.coalesce(Need.submitted_at, Need.created_at)


def days_since(moment: datetime | None, now: datetime) -> int:
    if moment is None:
        return 0
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=now.tzinfo)
    return max(0, (now - moment).days)


def tokyo_today(now: datetime) -> date:
    return to_tokyo(now).date()


def need_is_overdue(need: Need, now: datetime) -> bool:
    """The same rule as overdue_needs, for one need already loaded."""
    since = need.submitted_at or need.created_at
    if need.status is not NeedStatus.IN_REVIEW or since is None:
        return False
    if since.tzinfo is None:
        since = since.replace(tzinfo=now.tzinfo)
    return since < now - timedelta(days=NEED_REVIEW_DAYS)


def overdue_needs(now: datetime) -> list[Need]:
    cutoff = now - timedelta(days=NEED_REVIEW_DAYS)
    return list(
        db.session.scalars(
            select(Need)
            .where(Need.status == NeedStatus.IN_REVIEW, need_submitted_at() < cutoff)
            .options(selectinload(Need.organization))
            .order_by(need_submitted_at(), Need.id)
            .limit(LIMIT)
        )
    )


def overdue_calls(now: datetime) -> list[Call]:
    cutoff = now - timedelta(days=EVALUATION_DAYS)
    return list(
        db.session.scalars(
            select(Call)
            .where(Call.status == CallStatus.UNDER_EVALUATION, Call.closes_at < cutoff)
            .options(selectinload(Call.organization))
            .order_by(Call.closes_at, Call.id)
            .limit(LIMIT)
        )
    )


def overdue_milestones(now: datetime) -> list[tuple[Milestone, Project]]:
    return list(
        db.session.execute(
            select(Milestone, Project)
            .join(Project, Project.id == Milestone.project_id)
            .where(
                Milestone.status == MilestoneStatus.PENDING,
                Milestone.due_on < tokyo_today(now),
                Project.status.in_(ACTIVE_PROJECT_STATUSES),
            )
            .order_by(Milestone.due_on, Milestone.id)
            .limit(LIMIT)
        ).all()
    )


def find_overdue(now: datetime | None = None) -> Overdue:
    now = now or utcnow()
    return Overdue(overdue_needs(now), overdue_calls(now), overdue_milestones(now))
