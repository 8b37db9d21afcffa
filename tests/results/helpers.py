"""Published results for the results and feed tests, built on the projects helper."""

from __future__ import annotations

from matchmaker.extensions import db
from matchmaker.projects.models import Project, ProjectStatus
from matchmaker.projects.services import refresh_search_text
from tests.projects.helpers import DEFAULT_KPIS, make_project


def make_result(
    status: ProjectStatus = ProjectStatus.ADOPTED,
    published: bool = True,
    kpis=DEFAULT_KPIS,
    policy_areas=None,
    need_title: str | None = None,
    **fields,
) -> Project:
    """A finished, published project; need_title replaces the need's title and summary."""
    project = make_project(
        status=status, published=published, kpis=kpis, policy_areas=policy_areas, **fields
    )
    if need_title is not None:
        project.need.title = need_title
        project.need.summary = need_title
        refresh_search_text(project)
    db.session.flush()
    return project


def make_other_result(**fields) -> Project:
    """A published result that has nothing to do with elderly monitoring."""
    values = {
        "title": "Flood barrier pilot",
        "summary": "Water-level sensors on the river.",
        "outcome": "Warnings reached residents ten minutes earlier.",
        "need_title": "河川の氾濫対策",
        "policy_areas": ["disaster_prevention"],
        "kpis": [{"name": "Warning lead time", "unit": "min", "target": 15, "actual": 10}],
    }
    values.update(fields)
    return make_result(**values)
