"""Publishing a result: only finished projects with an outcome, by the department side."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES, ProjectStatus
from matchmaker.projects.publication import set_published, update_result
from matchmaker.results.services import public_results
from tests.factories import make_user
from tests.projects.helpers import make_member, make_project


def public_ids() -> list[int]:
    return [p.id for p in db.session.scalars(public_results())]


@pytest.mark.parametrize("status", [ProjectStatus.PLANNED, ProjectStatus.RUNNING])
def test_unfinished_projects_are_not_published(status):
    project = make_project(status=status, outcome="Promising.")
    with pytest.raises(IllegalTransition):
        set_published(project, make_member(project), True)
    assert project.published_at is None and public_ids() == []


@pytest.mark.parametrize("status", FINISHED_PROJECT_STATUSES)
def test_finished_project_with_outcome_is_published(status):
    project = make_project(status=status)
    department = make_member(project)
    with pytest.raises(DomainError):  # no outcome yet
        set_published(project, department, True)
    update_result(project, department, "Falls found in minutes.", "見守り推進課", "m@example.org")
    set_published(project, department, True)
    assert project.is_public and public_ids() == [project.id]
    assert "falls found in minutes" in project.search_text
    set_published(project, department, False)
    assert not project.is_public and public_ids() == []


def test_provider_outsider_and_reviewer_cannot_publish():
    project = make_project(status=ProjectStatus.COMPLETED, outcome="Worked.")
    for actor in (
        make_member(project, "provider"),
        make_user(Role.DEPARTMENT),
        make_user(Role.REVIEWER),
    ):
        with pytest.raises(NotAllowed):
            set_published(project, actor, True)
        with pytest.raises(NotAllowed):
            update_result(project, actor, "Ours", "", "")
    assert project.published_at is None and project.outcome == "Worked."


def test_published_result_keeps_an_outcome():
    project = make_project(status=ProjectStatus.ADOPTED, published=True)
    with pytest.raises(DomainError):
        update_result(project, make_user(Role.COORDINATOR), "", "", "")
    assert project.outcome and project.is_public
