"""PROJECT_WORKFLOW: every (action, status) pair is either in the table or refused."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.accounts.models import Role
from matchmaker.common.errors import IllegalTransition, NotAllowed
from matchmaker.projects.models import ProjectStatus as S
from matchmaker.projects.services import PROJECT_WORKFLOW, transition
from tests.factories import make_user
from tests.projects.helpers import make_member, make_project

ALLOWED = {
    ("start", S.PLANNED): (S.RUNNING, "department"),
    ("complete", S.RUNNING): (S.COMPLETED, "provider"),
    ("adopt", S.COMPLETED): (S.ADOPTED, "department"),
    ("not_adopt", S.COMPLETED): (S.NOT_ADOPTED, "department"),
}
ACTIONS = ("start", "complete", "adopt", "not_adopt")


def ready(status: S):
    """A project in `status` that meets every precondition of the next step."""
    return make_project(
        status=status,
        agreement_date=date(2026, 4, 1),
        starts_on=date(2026, 4, 15),
        final_report="Done.",
    )


def test_the_table_is_exactly_the_allowed_moves():
    table = {(t.action, t.source): t.target for t in PROJECT_WORKFLOW.transitions}
    assert table == {key: target for key, (target, _party) in ALLOWED.items()}


@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_pair_for_staff(action, status):
    project = ready(status)
    actor = make_user(Role.COORDINATOR)
    if (action, status) in ALLOWED:
        transition(project, action, actor, reason="Worth it.")
        assert project.status is ALLOWED[(action, status)][0]
    else:
        with pytest.raises(IllegalTransition):
            transition(project, action, actor, reason="Worth it.")
        assert project.status is status


@pytest.mark.parametrize("key", list(ALLOWED))
def test_only_the_owning_party_makes_each_move(key):
    action, status = key
    target, owner = ALLOWED[key]
    other = "provider" if owner == "department" else "department"
    project = ready(status)
    with pytest.raises(NotAllowed):
        transition(project, action, make_member(project, other), reason="No.")
    for outsider in (make_user(Role.REVIEWER), make_user(Role.DEPARTMENT), make_user()):
        with pytest.raises(NotAllowed):
            transition(project, action, outsider, reason="No.")
    assert project.status is status
    transition(project, action, make_member(project, owner), reason="Yes.")
    assert project.status is target
