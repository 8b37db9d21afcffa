"""Who may open the review queue and act on it: every route × every role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.review.models import PairNote, PairReview
from tests.factories import make_need

ROLES = ["anonymous", "provider", "department", "own_department", "reviewer", "pending_staff"]
ROLES += ["coordinator", "admin"]
EXPECTED = {  # role -> (GET queue, POST decide, POST bulk, POST note)
    "anonymous": (302, 302, 302, 302),
    "provider": (403, 403, 403, 403),
    "department": (403, 403, 403, 403),
    "own_department": (403, 403, 403, 403),
    "reviewer": (403, 403, 403, 403),
    "pending_staff": (403, 403, 403, 403),
    "coordinator": (200, 302, 302, 302),
    "admin": (200, 302, 302, 302),
}


def sign_in(login_as, role: str, need):
    if role == "anonymous":
        return None
    if role == "own_department":
        return login_as(Role.DEPARTMENT, org=need.organization)
    if role == "pending_staff":
        return login_as(Role.COORDINATOR, status=AccountStatus.PENDING)
    return login_as(Role(role))


def routes(need, seed):
    base = f"/needs/{need.id}/review-queue"
    return [
        ("get", base, None),
        ("post", f"{base}/{seed.id}/decide", {"action": "shortlist", "version": "0"}),
        ("post", f"{base}/bulk", {"pairs": [f"{seed.id}:0"], "action": "invite"}),
        ("post", f"{base}/{seed.id}/notes", {"body": "private"}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_route_role_matrix(client, login_as, corpus, role):
    need, seed = corpus.needs["watch_ja"], corpus.seeds["fall_en"]
    sign_in(login_as, role, need)
    for (method, url, data), expected in zip(routes(need, seed), EXPECTED[role], strict=True):
        if method == "post" and expected == 302 and role in ("coordinator", "admin"):
            db.session.execute(PairReview.__table__.delete())  # each action from a fresh pair
        response = getattr(client, method)(url, data=data) if data else client.get(url)
        assert response.status_code == expected, (role, url)
        if role == "anonymous":
            assert "/login" in response.headers["Location"]
    if EXPECTED[role][1] != 302:
        assert db.session.scalar(select(func.count()).select_from(PairReview)) == 0
        assert db.session.scalar(select(func.count()).select_from(PairNote)) == 0


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.IN_REVIEW, NeedStatus.CLOSED])
def test_only_published_needs_have_a_queue(client, login_as, status):
    login_as(Role.COORDINATOR)
    need = make_need(status=status)
    assert client.get(f"/needs/{need.id}/review-queue").status_code == 404


def test_unknown_ids_are_404(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/needs/999999/review-queue").status_code == 404
    assert client.get(f"/needs/{2**40}/review-queue").status_code == 404
    need = make_need()
    data = {"action": "shortlist", "version": "0"}
    assert (
        client.post(f"/needs/{need.id}/review-queue/{2**40}/decide", data=data).status_code == 404
    )


def test_a_post_without_csrf_token_is_rejected(client, login_as):
    login_as(Role.COORDINATOR)
    need = make_need()
    response = client.post(
        f"/needs/{need.id}/review-queue/bulk", data={"action": "shortlist"}, csrf=False
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(PairReview)) == 0


def test_the_need_page_link_is_for_staff_only(client, login_as):
    need = make_need()
    login_as(Role.DEPARTMENT, org=need.organization)
    assert "review-queue" not in client.get(f"/needs/{need.id}").get_data(as_text=True)
