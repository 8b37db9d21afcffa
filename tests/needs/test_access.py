"""Who may see which need, who may create and edit, and the review queue (route × role)."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.needs.models import NeedStatus
from tests.needs.conftest import ACTORS, new_need, sign_in

S = NeedStatus
CAN_SEE = {
    S.DRAFT: {"owner"},
    S.IN_REVIEW: {"owner", "coordinator", "admin"},
    S.CHANGES_REQUESTED: {"owner", "coordinator", "admin"},
    S.PUBLISHED: set(ACTORS),
    S.CLOSED: set(ACTORS),
    S.ARCHIVED: {"owner", "coordinator", "admin"},
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", list(S))
def test_detail_visibility(client, login_as, department, owner_user, actor, status):
    need = new_need(owner_user, status, title="見えるかどうかのテスト")
    sign_in(login_as, actor, department)
    response = client.get(f"/needs/{need.id}")
    if actor in CAN_SEE[status]:
        assert response.status_code == 200
        assert "見えるかどうかのテスト" in response.get_data(as_text=True)
    else:
        assert response.status_code == 404
        assert "見えるかどうかのテスト" not in response.get_data(as_text=True)


EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW, S.PUBLISHED}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", list(S))
def test_edit_page_access(client, login_as, department, owner_user, actor, status):
    need = new_need(owner_user, status)
    sign_in(login_as, actor, department)
    response = client.get(f"/needs/{need.id}/edit")
    if actor == "anonymous":
        expected = 302
    elif actor not in CAN_SEE[status]:
        expected = 404
    elif actor != "owner":
        expected = 403
    else:
        expected = 200 if status in EDITABLE else 409
    assert response.status_code == expected


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", 302),
        ("provider", 403),
        ("reviewer", 403),
        ("coordinator", 403),
        ("admin", 403),
        ("owner", 200),
    ],
)
def test_create_page_access(client, login_as, department, actor, expected):
    sign_in(login_as, actor, department)
    response = client.get("/needs/new")
    assert response.status_code == expected
    if expected == 200:
        page = response.get_data(as_text=True)
        assert "Save draft" in page
        for name in (
            "title",
            "summary",
            "problem",
            "desired_outcome",
            "constraints",
            "policy_areas",
            "sdg_goals",
            "budget_min",
            "budget_max",
            "demo_site",
            "timeline",
            "contact_name",
            "contact_email",
            "language",
            "title_translated",
            "summary_translated",
            "min_trl",
        ):
            assert f'name="{name}"' in page


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", 302),
        ("provider", 403),
        ("reviewer", 403),
        ("owner", 403),
        ("coordinator", 200),
        ("admin", 200),
    ],
)
def test_review_queue_access(client, login_as, department, actor, expected):
    sign_in(login_as, actor, department)
    assert client.get("/needs/review").status_code == expected


def test_review_queue_lists_needs_in_review_oldest_first(client, login_as, owner_user):
    from datetime import timedelta

    from matchmaker.db import utcnow
    from matchmaker.extensions import db

    newer = new_need(owner_user, S.IN_REVIEW, title="新しい申請")
    older = new_need(owner_user, S.IN_REVIEW, title="古い申請")
    older.submitted_at = utcnow() - timedelta(days=3)
    new_need(owner_user, S.DRAFT, title="下書きの申請")
    new_need(owner_user, S.PUBLISHED, title="公開中の申請")
    db.session.flush()
    login_as(Role.COORDINATOR)
    page = client.get("/needs/review").get_data(as_text=True)
    assert page.index("古い申請") < page.index("新しい申請")
    assert "下書きの申請" not in page and "公開中の申請" not in page
    assert newer.id


def test_unknown_need_is_404(client, login_as):
    assert client.get("/needs/987654").status_code == 404
    login_as(Role.DEPARTMENT)
    assert client.get("/needs/987654/edit").status_code == 404
    assert client.post("/needs/987654/edit", data={}).status_code == 404


def test_coordinator_never_sees_another_orgs_draft_in_the_list(client, login_as, owner_user):
    new_need(owner_user, S.DRAFT, title="秘密の下書き")
    login_as(Role.COORDINATOR)
    for query in ("", "?status=in_review", "?q=秘密"):
        assert "秘密の下書き" not in client.get(f"/needs{query}").get_data(as_text=True)
    assert client.get("/needs?status=draft").status_code == 400
