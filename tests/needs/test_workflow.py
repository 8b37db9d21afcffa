"""The need state machine: every action × status × actor, side effects, audit and versions."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.needs import services
from matchmaker.needs.models import Need, NeedStatus
from tests.needs.conftest import ACTORS, new_need, sign_in

S = NeedStatus
# Written out independently of services.NEED_WORKFLOW so a wrong table fails the tests.
EXPECTED = {
    ("edit", S.DRAFT): S.DRAFT,
    ("edit", S.CHANGES_REQUESTED): S.CHANGES_REQUESTED,
    ("edit", S.IN_REVIEW): S.IN_REVIEW,
    ("edit", S.PUBLISHED): S.IN_REVIEW,
    ("submit", S.DRAFT): S.IN_REVIEW,
    ("submit", S.CHANGES_REQUESTED): S.IN_REVIEW,
    ("approve", S.IN_REVIEW): S.PUBLISHED,
    ("request_changes", S.IN_REVIEW): S.CHANGES_REQUESTED,
    ("close", S.PUBLISHED): S.CLOSED,
    ("archive", S.CLOSED): S.ARCHIVED,
}
ACTION_ACTORS = {
    "submit": {"owner"},
    "approve": {"coordinator", "admin"},
    "request_changes": {"coordinator", "admin"},
    "close": {"owner", "coordinator", "admin"},
    "archive": {"owner", "coordinator", "admin"},
}
ROUTES = {
    "submit": "submit",
    "approve": "approve",
    "request_changes": "request-changes",
    "close": "close",
    "archive": "archive",
}
VISIBLE = {
    S.DRAFT: {"owner"},
    S.IN_REVIEW: {"owner", "coordinator", "admin"},
    S.CHANGES_REQUESTED: {"owner", "coordinator", "admin"},
    S.ARCHIVED: {"owner", "coordinator", "admin"},
}


def test_transition_table_is_exactly_the_expected_one():
    table = {(t.action, t.source): t.target for t in services.NEED_WORKFLOW.transitions}
    assert table == EXPECTED


def expected_status(actor: str, action: str, status: NeedStatus) -> int:
    if actor == "anonymous":
        return 302  # to the sign-in page
    if status in VISIBLE and actor not in VISIBLE[status]:
        return 404
    if actor not in ACTION_ACTORS[action]:
        return 403
    if (action, status) not in EXPECTED:
        return 409
    return 302


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", list(S))
@pytest.mark.parametrize("action", list(ROUTES))
def test_action_matrix(client, login_as, department, owner_user, actor, action, status):
    need = new_need(owner_user, status)
    need_id, version = need.id, need.version
    user = sign_in(login_as, actor, department)
    response = client.post(
        f"/needs/{need_id}/{ROUTES[action]}",
        data={"version": str(version), "comment": "Add a budget breakdown."},
    )
    expected = expected_status(actor, action, status)
    assert response.status_code == expected, response.data[:500]
    need = db.session.get(Need, need_id)
    events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == f"need_{action}")
    ).all()
    if expected == 302 and actor != "anonymous":
        assert response.location.endswith(f"/needs/{need_id}")
        assert need.status is EXPECTED[(action, status)]
        assert need.version == version + 1
        assert len(events) == 1
        assert events[0].actor_id == user.id and events[0].object_id == need_id
        assert events[0].details["from"] == status.value
        assert events[0].details["to"] == need.status.value
    else:
        if actor == "anonymous":
            assert "/login" in response.location
        assert need.status is status and need.version == version
        assert events == []
    if expected == 409:
        assert "not possible" in response.get_data(as_text=True)


def test_submit_sets_submitted_at_and_approve_sets_published_at(client, login_as, owner_user):
    need = new_need(owner_user)
    login_as(user=owner_user)
    assert client.post(f"/needs/{need.id}/submit", data={}).status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is S.IN_REVIEW and need.submitted_at is not None
    assert need.published_at is None
    login_as(Role.COORDINATOR)
    assert client.post(f"/needs/{need.id}/approve", data={}).status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is S.PUBLISHED and need.published_at is not None


def test_close_sets_closed_at(client, login_as, owner_user):
    need = new_need(owner_user, S.PUBLISHED)
    login_as(user=owner_user)
    assert client.post(f"/needs/{need.id}/close", data={}).status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is S.CLOSED and need.closed_at is not None


def test_request_changes_needs_a_comment(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    response = client.post(f"/needs/{need.id}/request-changes", data={"comment": "   "})
    assert response.status_code == 400
    need = db.session.get(Need, need.id)
    assert need.status is S.IN_REVIEW and need.review_comment is None


def test_review_comment_is_stored_and_shown_to_the_owner(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    response = client.post(
        f"/needs/{need.id}/request-changes", data={"comment": "予算の内訳を追記してください"}
    )
    assert response.status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is S.CHANGES_REQUESTED
    assert need.review_comment == "予算の内訳を追記してください"
    login_as(user=owner_user)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "予算の内訳を追記してください" in page
    assert "Resubmit for review" in page
    # the owner resubmits
    assert client.post(f"/needs/{need.id}/submit", data={}).status_code == 302
    assert db.session.get(Need, need.id).status is S.IN_REVIEW


def test_pending_department_account_cannot_submit(client, login_as, pending_owner):
    need = new_need(pending_owner)
    login_as(user=pending_owner)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "Submit for review" not in page
    assert "awaiting an administrator" in page
    response = client.post(f"/needs/{need.id}/submit", data={})
    assert response.status_code == 403
    assert "approved by an administrator" in response.get_data(as_text=True)
    assert db.session.get(Need, need.id).status is S.DRAFT


def test_pending_department_account_can_create_and_edit_drafts(client, login_as, pending_owner):
    from tests.needs.conftest import valid_form

    login_as(user=pending_owner)
    response = client.post("/needs/new", data=valid_form())
    assert response.status_code == 302
    need = db.session.scalars(db.select(Need)).one()
    response = client.post(
        f"/needs/{need.id}/edit", data=valid_form(title="改訂版", version=str(need.version))
    )
    assert response.status_code == 302
    assert db.session.get(Need, need.id).title == "改訂版"


def test_stale_version_on_an_action_is_a_conflict(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    old_version = need.version
    need.title = "changed by the owner meanwhile"
    db.session.flush()
    login_as(Role.COORDINATOR)
    response = client.post(f"/needs/{need.id}/approve", data={"version": str(old_version)})
    assert response.status_code == 409
    assert "changed this need" in response.get_data(as_text=True)
    assert db.session.get(Need, need.id).status is S.IN_REVIEW


def test_damaged_version_is_a_bad_request(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    response = client.post(f"/needs/{need.id}/approve", data={"version": "abc"})
    assert response.status_code == 400
    assert db.session.get(Need, need.id).status is S.IN_REVIEW


def test_actions_need_a_csrf_token(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    response = client.post(f"/needs/{need.id}/approve", data={}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(Need, need.id).status is S.IN_REVIEW


def test_actions_are_post_only(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    assert client.get(f"/needs/{need.id}/approve").status_code == 405


def test_unknown_need_actions_are_404(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.post("/needs/999999/approve", data={}).status_code == 404
    assert client.post("/needs/99999999999999999999/approve", data={}).status_code == 404
