"""Which projects the public may read, and the search over them."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from matchmaker.common.listing import apply_search
from matchmaker.extensions import db
from matchmaker.needs.models import NeedPolicyArea
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES, Project, ProjectStatus


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
    project = db.session.get(Project, project_id)
    if project is None or not project.is_public:
        abort(404)
    return project
