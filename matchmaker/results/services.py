"""Which projects the public may read, and the search over them."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.listing import Page, apply_search, paginate, search_terms
from matchmaker.extensions import db
from matchmaker.needs.models import NeedPolicyArea
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES, Project, ProjectStatus

MAX_ID = 2**31 - 1


def public_results(
    q: str | None = None,
    policy_area: str | None = None,
    status: ProjectStatus | None = None,
) -> Select:
    """Published results of finished projects, newest first, optionally searched and filtered."""
    stmt = (
        select(Project)
        .where(Project.published_at.is_not(None), Project.status.in_(FINISHED_PROJECT_STATUSES))
        .options(selectinload(Project.kpis))
        .order_by(Project.published_at.desc(), Project.id.desc())
    )
    if status is not None:
        stmt = stmt.where(Project.status == status)
    if policy_area:
        stmt = stmt.where(
            Project.need_id.in_(
                select(NeedPolicyArea.need_id).where(NeedPolicyArea.code == policy_area)
            )
        )
    return apply_search(stmt, Project.search_text, q)


def get_public_result_or_404(project_id: int) -> Project:
    """The public may read a project only once its result is published."""
    project = db.session.get(Project, project_id) if 0 < project_id <= MAX_ID else None
    if project is None or not project.is_public:
        abort(404)
    return project


@dataclass(frozen=True)
class ResultFilters:
    q: str = ""
    area: str | None = None
    status: ProjectStatus | None = None

    def args(self, **changes) -> dict:
        """Query-string arguments for a link that keeps the other filters."""
        values = {"q": self.q or None, "area": self.area, "status": self.status}
        values.update(changes)
        return {k: getattr(v, "value", v) for k, v in values.items() if v}


def parse_filters(args) -> ResultFilters:
    """Validate the list's query string; anything unknown raises DomainError (400)."""
    q = args.get("q", "")
    if any(ord(c) < 32 and c != "\t" for c in q):
        raise DomainError(_("The search text contains characters that are not allowed."))
    search_terms(q)
    area = args.get("area") or None
    if area is not None and area not in taxonomy.POLICY_AREAS:
        raise DomainError(_("Unknown policy area."))
    raw = args.get("status") or None
    if raw is not None and raw not in {s.value for s in FINISHED_PROJECT_STATUSES}:
        raise DomainError(_("Unknown or unavailable status filter."))
    return ResultFilters(q=q.strip(), area=area, status=ProjectStatus(raw) if raw else None)


def with_parties(stmt: Select) -> Select:
    """Load what a list or feed shows of each project in a few queries, not one per row."""
    return stmt.options(
        selectinload(Project.department),
        selectinload(Project.provider),
        selectinload(Project.need),
    )


def search_results(filters: ResultFilters, page: int, per_page: int) -> Page:
    stmt = with_parties(public_results(filters.q, filters.area, filters.status))
    return paginate(stmt, page, per_page)


def counts_by_area() -> dict[str, int]:
    """How many published results each policy area has, for the filter links."""
    rows = db.session.execute(
        select(NeedPolicyArea.code, func.count(Project.id))
        .join(Project, Project.need_id == NeedPolicyArea.need_id)
        .where(Project.published_at.is_not(None), Project.status.in_(FINISHED_PROJECT_STATUSES))
        .group_by(NeedPolicyArea.code)
    )
    return {code: count for code, count in rows if code in taxonomy.POLICY_AREAS}
