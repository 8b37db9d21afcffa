"""The reviewer-assignment transition table: every (action, status) allowed or refused."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import IllegalTransition, NotAllowed
from matchmaker.evaluation import services
from matchmaker.evaluation.models import AssignmentStatus, ReviewerAssignment
from matchmaker.extensions import db
from tests.evaluation.conftest import assign, give_scores, make_call, make_proposal, make_reviewer
from tests.factories import make_user

A = AssignmentStatus
ALLOWED = {
    ("complete", A.ASSIGNED): A.COMPLETED,
    ("reopen", A.COMPLETED): A.ASSIGNED,
    ("remove", A.ASSIGNED): A.REMOVED,
    ("remove", A.COMPLETED): A.REMOVED,
    ("reassign", A.REMOVED): A.ASSIGNED,
}
ACTIONS = ("complete", "reopen", "remove", "reassign")


def _actor_for(action, assignment):
    if action in ("complete", "reopen"):
        return assignment.reviewer
    return make_user(Role.COORDINATOR)


def test_the_table_is_what_the_code_uses():
    table = {(t.action, t.source): t.target for t in services.ASSIGNMENT_WORKFLOW.transitions}
    assert table == ALLOWED


@pytest.mark.parametrize(("action", "status"), list(itertools.product(ACTIONS, A)))
def test_each_transition_allowed_or_refused(call, action, status):
    assignment = assign(call, make_reviewer(), status)
    actor = _actor_for(action, assignment)
    run = {
        "complete": lambda: services.complete_review(assignment, actor),
        "reopen": lambda: services.reopen_review(assignment, actor),
        "remove": lambda: services.remove_reviewer(assignment, actor),
        "reassign": lambda: services.assign_reviewers(call, [assignment.reviewer_id], actor),
    }[action]
    if (action, status) in ALLOWED:
        run()
        assert assignment.status is ALLOWED[(action, status)]
    elif action == "reassign":
        assert run() == 0  # assigning someone already on the panel changes nothing
        assert assignment.status is status
    else:
        with pytest.raises(IllegalTransition):
            run()
        assert assignment.status is status


@pytest.mark.parametrize(
    ("action", "status", "role"),
    [
        ("complete", A.ASSIGNED, Role.COORDINATOR),
        ("reopen", A.COMPLETED, Role.ADMIN),
        ("remove", A.ASSIGNED, Role.REVIEWER),
        ("remove", A.COMPLETED, Role.DEPARTMENT),
        ("reassign", A.REMOVED, Role.REVIEWER),
    ],
)
def test_wrong_role_is_refused(call, action, status, role):
    assignment = assign(call, make_reviewer(), status)
    with pytest.raises(NotAllowed):
        services.check_assignment_action(make_user(role), assignment, action)


def test_a_reviewer_cannot_complete_someone_elses_review(call):
    assignment = assign(call, make_reviewer())
    with pytest.raises(NotAllowed):
        services.complete_review(assignment, make_reviewer())
    assert assignment.status is A.ASSIGNED


def test_mark_done_needs_every_visible_proposal_scored(call, reviewer):
    first, second = make_proposal(call), make_proposal(call)
    assignment = services.active_assignment(reviewer, call.id)
    give_scores(first, reviewer, [4, 3])
    with pytest.raises(IllegalTransition, match="1 left"):
        services.complete_review(assignment, reviewer)
    give_scores(second, reviewer, [2, 5])
    services.complete_review(assignment, reviewer)
    assert assignment.status is A.COMPLETED and assignment.completed_at is not None


@pytest.mark.parametrize("status", [CallStatus.OPEN, CallStatus.DECIDED])
def test_done_and_reopen_only_under_evaluation(status):
    call = make_call(status)
    reviewer = make_reviewer()
    assigned = assign(call, reviewer)
    with pytest.raises(IllegalTransition):
        services.complete_review(assigned, reviewer)
    assigned.status = A.COMPLETED
    with pytest.raises(IllegalTransition):
        services.reopen_review(assigned, reviewer)
    assert assigned.status is A.COMPLETED


def _count(call):
    return db.session.scalar(
        select(func.count())
        .select_from(ReviewerAssignment)
        .where(ReviewerAssignment.call_id == call.id)
    )


def test_bulk_assign_is_idempotent_and_reactivates(client, login_as, call):
    login_as(Role.COORDINATOR)
    one, two = make_reviewer(), make_reviewer()
    response = client.post(f"/calls/{call.id}/reviewers", data={"reviewers": [one.id, two.id]})
    assert response.status_code == 302
    assert _count(call) == 2
    response = client.post(f"/calls/{call.id}/reviewers", data={"reviewers": [one.id]})
    assert response.status_code == 302
    assert _count(call) == 2
    row = db.session.scalar(
        select(ReviewerAssignment).where(ReviewerAssignment.reviewer_id == one.id)
    )
    response = client.post(f"/calls/{call.id}/reviewers/{row.id}/remove", data={})
    assert response.status_code == 302
    assert db.session.get(ReviewerAssignment, row.id).status is A.REMOVED
    page = client.get(f"/calls/{call.id}/reviewers").get_data(as_text=True)
    assert "Removed" in page and one.email in page
    client.post(f"/calls/{call.id}/reviewers", data={"reviewers": [one.id]})
    again = db.session.get(ReviewerAssignment, row.id)
    assert again.status is A.ASSIGNED and _count(call) == 2


def test_assign_refuses_non_reviewers_and_inactive_reviewers(client, login_as, call):
    login_as(Role.COORDINATOR)
    provider = make_user(Role.PROVIDER)
    suspended = make_reviewer(status=AccountStatus.SUSPENDED)
    for bad in (provider, suspended):
        response = client.post(f"/calls/{call.id}/reviewers", data={"reviewers": [bad.id]})
        assert response.status_code == 422
    response = client.post(f"/calls/{call.id}/reviewers", data={})
    assert response.status_code == 422
    assert "Choose at least one reviewer." in response.get_data(as_text=True)
    assert _count(call) == 0


def test_assign_refused_on_a_decided_call(client, login_as):
    call = make_call(CallStatus.DECIDED)
    login_as(Role.COORDINATOR)
    response = client.post(f"/calls/{call.id}/reviewers", data={"reviewers": [make_reviewer().id]})
    assert response.status_code == 409
    assert _count(call) == 0


def test_reviewer_marks_done_and_reopens_through_the_pages(client, login_as, call):
    reviewer = login_as(Role.REVIEWER)
    assignment = assign(call, reviewer)
    proposal = make_proposal(call)
    response = client.post(f"/reviews/calls/{call.id}/done", data={})
    assert response.status_code == 409
    assert "Score every proposal" in response.get_data(as_text=True)
    give_scores(proposal, reviewer, [3, 3])
    assert client.post(f"/reviews/calls/{call.id}/done", data={}).status_code == 302
    assert db.session.get(ReviewerAssignment, assignment.id).status is A.COMPLETED
    assert client.post(f"/reviews/calls/{call.id}/reopen", data={}).status_code == 302
    assert db.session.get(ReviewerAssignment, assignment.id).status is A.ASSIGNED
