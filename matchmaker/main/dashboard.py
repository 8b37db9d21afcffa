"""What each role sees first after signing in: one builder per role, each reading only what that
user may see (their organization's records, their own assignments, or staff-wide queues)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role, User
from matchmaker.calls.models import Call, CallStatus
from matchmaker.calls.services import Countdown, countdown, is_accepting_proposals
from matchmaker.db import utcnow
from matchmaker.evaluation.models import AssignmentStatus
from matchmaker.evaluation.services import my_assignments, review_progress
from matchmaker.extensions import db
from matchmaker.main import overdue
from matchmaker.main.fits import provider_fits, review_queues
from matchmaker.main.health import system_health
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.needs.revisions import pending_revisions
from matchmaker.projects.access import projects_for
from matchmaker.proposals.access import organization_proposals, status_shown_to
from matchmaker.seeds.models import Seed

PER_GROUP = 10  # records listed under each status heading; the count says how many in all
LIST_LIMIT = 20
NEED_ORDER = list(NeedStatus)
CALL_ORDER = [
    CallStatus.OPEN,
    CallStatus.SCHEDULED,
    CallStatus.UNDER_EVALUATION,
    CallStatus.DRAFT,
    CallStatus.DECIDED,
    CallStatus.CANCELLED,
]


@dataclass
class Group:
    """Records of one status: how many in all, and the most recent few."""

    status: object
    count: int
    items: list


@dataclass
class Dated:
    """A record with the moment that matters to the reader and the time left until it."""

    record: object
    moment: datetime | None = None
    left: Countdown | None = None
    status: object = None
    extra: object = None
    late: bool = False


def _grouped(model, owner_filter, order: list, newest) -> list[Group]:
    counts = dict(
        db.session.execute(
            select(model.status, func.count()).where(owner_filter).group_by(model.status)
        ).all()
    )
    groups = []
    for status in order:
        if counts.get(status):
            items = db.session.scalars(
                select(model)
                .where(owner_filter, model.status == status)
                .order_by(newest.desc(), model.id.desc())
                .limit(PER_GROUP)
            ).all()
            groups.append(Group(status, counts[status], list(items)))
    return groups


def call_row(call: Call, now: datetime) -> Dated:
    """Open calls count down to closing, scheduled ones to opening; others show the deadline."""
    if call.status is CallStatus.SCHEDULED:
        return Dated(call, call.opens_at, countdown(call.opens_at, now))
    if call.status is CallStatus.OPEN:
        return Dated(call, call.closes_at, countdown(call.closes_at, now))
    return Dated(call, call.closes_at)


def department_panels(user: User, now: datetime) -> dict:
    org_id = user.organization_id
    need_groups = _grouped(Need, Need.organization_id == org_id, NEED_ORDER, Need.updated_at)
    call_groups = _grouped(Call, Call.organization_id == org_id, CALL_ORDER, Call.closes_at)
    for group in call_groups:
        group.items = [call_row(call, now) for call in group.items]
    return {
        "need_groups": need_groups,
        "call_groups": call_groups,
        "projects": project_rows(user),
    }


def project_rows(user: User) -> list[Dated]:
    """The user's projects with their next pending milestone (the due date that matters)."""
    rows = []
    for project in projects_for(user)[:LIST_LIMIT]:
        upcoming = [m for m in project.milestones if m.status.value == "pending"]
        nxt = min(upcoming, key=lambda m: (m.due_on, m.id)) if upcoming else None
        rows.append(Dated(project, status=project.status, extra=nxt))
    return rows


def provider_panels(user: User, now: datetime) -> dict:
    org_id = user.organization_id
    seeds = db.session.scalars(
        select(Seed)
        .where(Seed.organization_id == org_id)
        .order_by(Seed.updated_at.desc(), Seed.id.desc())
        .limit(LIST_LIMIT)
    ).all()
    proposals = []
    for proposal in organization_proposals(org_id)[:LIST_LIMIT]:
        call = proposal.call
        left = countdown(call.closes_at, now) if is_accepting_proposals(call, now) else None
        proposals.append(Dated(proposal, call.closes_at, left, status_shown_to(user, proposal)))
    return {
        "seeds": list(seeds),
        "fits": provider_fits(org_id),
        "proposals": proposals,
        "projects": project_rows(user),
    }


def reviewer_panels(user: User, now: datetime) -> dict:
    pending, done = [], []
    for assignment in my_assignments(user):
        call = assignment.call
        to_score, scored = review_progress(user, call)
        row = Dated(assignment, call.closes_at, status=call.status, extra=(to_score, scored))
        (pending if assignment.status is AssignmentStatus.ASSIGNED else done).append(row)
    pending.sort(key=lambda r: (r.moment, r.record.id))
    return {"pending_reviews": pending, "done_reviews": done}


def coordinator_panels(user: User, now: datetime) -> dict:
    in_review = db.session.scalars(
        select(Need)
        .where(Need.status == NeedStatus.IN_REVIEW)
        .order_by(overdue.need_submitted_at(), Need.id)
        .limit(LIST_LIMIT)
    ).all()
    waiting = [
        Dated(
            need,
            need.submitted_at or need.created_at,
            extra=overdue.days_since(need.submitted_at or need.created_at, now),
            late=overdue.need_is_overdue(need, now),
        )
        for need in in_review
    ]
    queues, matcher_down = review_queues()
    return {
        "needs_waiting": waiting,
        "queues": queues,
        "queues_unavailable": matcher_down,
        "overdue": overdue.find_overdue(now),
        "revisions": pending_revisions()[:LIST_LIMIT],
        "overdue_rules": overdue,
    }


def admin_panels(user: User, now: datetime) -> dict:
    pending = db.session.scalars(
        select(User)
        .where(User.status == AccountStatus.PENDING)
        .order_by(User.created_at, User.id)
        .limit(50)
    ).all()
    return {"pending_accounts": list(pending), "health": system_health(now)}


BUILDERS = {
    Role.DEPARTMENT: department_panels,
    Role.PROVIDER: provider_panels,
    Role.REVIEWER: reviewer_panels,
    Role.COORDINATOR: coordinator_panels,
    Role.ADMIN: admin_panels,
}


def dashboard_for(user: User, now: datetime | None = None) -> dict:
    """The template's context: `panels` for the user's role (empty for an unapproved account or
    an organization-bound role without an organization, so nothing of others can show)."""
    now = now or utcnow()
    builder = BUILDERS.get(user.role)
    needs_org = user.role in (Role.DEPARTMENT, Role.PROVIDER)
    if builder is None or not user.is_approved or (needs_org and user.organization_id is None):
        return {"panels": {}, "now": now}
    return {"panels": builder(user, now), "now": now}
