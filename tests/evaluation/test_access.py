"""Every evaluation route × every role: the expected status code (deny by default)."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from tests.evaluation.conftest import assign, make_call, make_proposal, make_reviewer

ACTORS = (
    "anonymous",
    "provider",
    "applicant",
    "reviewer",
    "assigned_reviewer",
    "department",
    "other_department",
    "coordinator",
    "admin",
)
STAFF = {"coordinator": None, "admin": None}
MANAGERS = {"department": None, **STAFF}


def expect(allowed: dict, ok: int, denied: int) -> dict:
    """`ok` for the allowed actors, `denied` for the others, 302 (to login) when anonymous."""
    table = {actor: (ok if actor in allowed else denied) for actor in ACTORS}
    table["anonymous"] = 302
    return table


# (method, path template, expected statuses)
ROUTES = [
    ("get", "/reviews", expect({"reviewer": 1, "assigned_reviewer": 1}, 200, 403)),
    ("get", "/reviews/calls/{call}", expect({"assigned_reviewer": 1}, 200, 404)),
    ("post", "/reviews/calls/{call}/conflicts", expect({"assigned_reviewer": 1}, 422, 404)),
    ("post", "/reviews/calls/{call}/done", expect({"assigned_reviewer": 1}, 409, 404)),
    ("post", "/reviews/calls/{call}/reopen", expect({"assigned_reviewer": 1}, 409, 404)),
    ("get", "/reviews/proposals/{proposal}", expect({"assigned_reviewer": 1}, 200, 404)),
    ("post", "/reviews/proposals/{proposal}", expect({"assigned_reviewer": 1}, 422, 404)),
    ("get", "/calls/{call}/reviewers", expect(STAFF, 200, 403)),
    ("post", "/calls/{call}/reviewers", expect(STAFF, 422, 403)),
    ("post", "/calls/{call}/reviewers/{assignment}/remove", expect(STAFF, 302, 403)),
    ("get", "/calls/{call}/evaluation", expect(MANAGERS, 200, 403)),
    (
        "post",
        "/calls/{call}/evaluation/proposals/{proposal}/decision",
        expect(MANAGERS, 302, 403),
    ),
    ("post", "/calls/{call}/evaluation/announce", expect(MANAGERS, 409, 403)),
]


def _sign_in(login_as, actor, call, proposal):
    if actor == "anonymous":
        return None
    if actor == "applicant":
        return login_as(Role.PROVIDER, org=proposal.organization)
    if actor == "department":
        return login_as(Role.DEPARTMENT, org=call.organization)
    if actor == "other_department":
        return login_as(Role.DEPARTMENT)
    if actor == "assigned_reviewer":
        user = login_as(Role.REVIEWER)
        assign(call, user)
        return user
    return login_as(Role(actor))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("method", "template", "expected"), ROUTES, ids=[r[1] for r in ROUTES])
def test_route_access(client, login_as, actor, method, template, expected):
    call = make_call()
    proposal = make_proposal(call, title="Access matrix proposal")
    make_proposal(call)  # keeps "done" refused and "announce" waiting for a decision
    assignment = assign(call, make_reviewer())
    _sign_in(login_as, actor, call, proposal)
    path = template.format(call=call.id, proposal=proposal.id, assignment=assignment.id)
    if method == "get":
        response = client.get(path)
    else:
        data = {}
        if "decision" in path:
            prefix = f"p{proposal.id}-"
            data = {prefix + "decision": "selected", prefix + "version": str(proposal.version)}
        response = client.post(path, data=data)
    assert response.status_code == expected[actor], (actor, path)
    if response.status_code in (403, 404):
        assert "Access matrix proposal" not in response.get_data(as_text=True)


def test_unknown_ids_are_404(client, login_as):
    login_as(Role.COORDINATOR)
    assert client.get("/calls/999999/evaluation").status_code == 404
    assert client.get("/calls/999999/reviewers").status_code == 404
    call = make_call()
    assert client.post(f"/calls/{call.id}/reviewers/999999/remove", data={}).status_code == 404


def test_posts_without_csrf_are_refused(client, login_as):
    call = make_call()
    login_as(Role.COORDINATOR)
    response = client.post(
        f"/calls/{call.id}/reviewers", data={"reviewers": [make_reviewer().id]}, csrf=False
    )
    assert response.status_code == 400


def test_dashboard_links_reviewers_to_their_reviews(client, login_as):
    login_as(Role.REVIEWER)
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/reviews"' in page and "My reviews" in page
