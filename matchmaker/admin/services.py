"""Queries behind the admin pages: accounts, organizations and the audit log, filtered and paged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.accounts.permissions import require_admin
from matchmaker.audit.models import AuditEvent
from matchmaker.common.listing import Page, paginate, search_terms
from matchmaker.common.timezone import TOKYO
from matchmaker.db import utcnow
from matchmaker.extensions import db


@dataclass(frozen=True)
class UserFilters:
    status: AccountStatus | None = None
    role: Role | None = None
    q: str = ""
    organization_id: int | None = None


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None


def start_of_day(day: date) -> datetime:
    """Midnight in Tokyo as a UTC instant: the dates admins type are local dates."""
    return datetime.combine(day, time.min, tzinfo=TOKYO).astimezone(UTC)


def tokyo_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(TOKYO).date()


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_users(admin: User, filters: UserFilters, page: int, per_page: int) -> Page:
    """Newest accounts first; every search term must appear in the name or e-mail address."""
    require_admin(admin)
    stmt: Select = select(User).options(selectinload(User.organization))
    if filters.status is not None:
        stmt = stmt.where(User.status == filters.status)
    if filters.role is not None:
        stmt = stmt.where(User.role == filters.role)
    if filters.organization_id is not None:
        stmt = stmt.where(User.organization_id == filters.organization_id)
    for term in search_terms(filters.q):
        pattern = _like(term)
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    stmt = stmt.order_by(User.created_at.desc(), User.id.desc())
    return paginate(stmt, page, per_page)


def list_organizations(
    admin: User, kind: OrgKind | None, page: int, per_page: int
) -> tuple[Page, dict[int, int]]:
    """Organizations by kind and name, with the number of accounts in each."""
    require_admin(admin)
    stmt = select(Organization)
    if kind is not None:
        stmt = stmt.where(Organization.kind == kind)
    result = paginate(stmt.order_by(Organization.kind, Organization.name), page, per_page)
    ids = [org.id for org in result.items]
    counts = dict(
        db.session.execute(
            select(User.organization_id, func.count())
            .where(User.organization_id.in_(ids))
            .group_by(User.organization_id)
        ).all()
    )
    return result, counts


def list_audit_events(admin: User, filters: AuditFilters, page: int, per_page: int) -> Page:
    """Newest first; `since` and `until` are whole Tokyo days, both inclusive."""
    require_admin(admin)
    stmt: Select = select(AuditEvent).options(selectinload(AuditEvent.actor))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    if filters.since is not None:
        stmt = stmt.where(AuditEvent.created_at >= start_of_day(filters.since))
    if filters.until is not None:
        stmt = stmt.where(AuditEvent.created_at < start_of_day(filters.until + timedelta(days=1)))
    stmt = stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    return paginate(stmt, page, per_page)


def audit_actions(admin: User) -> list[str]:
    """The actions present in the log, for the filter's choices."""
    require_admin(admin)
    return list(db.session.scalars(select(AuditEvent.action).distinct().order_by("action")))


def admin_counts(admin: User, now: datetime | None = None) -> dict[str, int]:
    """Figures for the admin index: accounts to approve, organizations, events since midnight."""
    require_admin(admin)
    today = tokyo_today(now)

    def count(stmt: Select) -> int:
        return db.session.scalar(stmt) or 0

    return {
        "pending": count(
            select(func.count()).select_from(User).where(User.status == AccountStatus.PENDING)
        ),
        "organizations": count(select(func.count()).select_from(Organization)),
        "audit_today": count(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.created_at >= start_of_day(today))
        ),
    }
