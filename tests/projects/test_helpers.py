"""The shared make_project helper builds a consistent project in every status."""

from __future__ import annotations

import pytest

from matchmaker.projects.models import FINISHED_PROJECT_STATUSES, ProjectStatus
from tests.projects.helpers import DEFAULT_KPIS, make_member, make_project


@pytest.mark.parametrize("status", list(ProjectStatus))
def test_make_project_in_every_status(status):
    project = make_project(status=status, published=True, kpis=DEFAULT_KPIS)
    assert project.status is status
    assert project.department_org_id == project.call.organization_id == project.need.organization_id
    assert project.provider_org_id == project.proposal.organization_id
    assert [k.is_met for k in project.kpis] == [True, False]
    assert project.is_public is (status in FINISHED_PROJECT_STATUSES)
    assert "falls detected" in project.search_text
    assert make_member(project, "provider").belongs_to(project.provider_org_id)
    assert make_member(project).belongs_to(project.department_org_id)


def test_policy_areas_reach_the_need():
    project = make_project(policy_areas=["disaster_prevention"])
    assert [r.code for r in project.need.policy_area_rows] == ["disaster_prevention"]
