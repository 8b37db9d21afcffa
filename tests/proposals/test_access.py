"""Who may reach which proposal route: route × actor, with the expected HTTP status, and
nothing changes when a write is refused."""

from __future__ import annotations

import io
import sys
import types

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalAttachment
from matchmaker.uploads.services import store_pdf
from tests.factories import make_user
from tests.proposals.helpers import PDF, make_call, make_proposal, proposal_form

ACTORS = (
    "anonymous",
    "owner",
    "colleague",
    "other_provider",
    "department",
    "other_department",
    "reviewer",
    "assigned_reviewer",
    "coordinator",
    "admin",
)
MEMBERS = ("owner", "colleague")
MANAGERS = ("department", "coordinator", "admin")


def expect(default, **overrides):
    table = dict.fromkeys(ACTORS, default)
    table["anonymous"] = 302
    table.update(overrides)
    return table


MEMBERS_ONLY = expect(404, owner=200, colleague=200)
MEMBER_WRITE = expect(404, owner=302, colleague=302)
VISIBLE_TO_MANAGERS = expect(
    404, owner=200, colleague=200, department=200, coordinator=200, admin=200
)
MANAGER_WRITE_REFUSED = expect(
    404, owner=302, colleague=302, department=403, coordinator=403, admin=403
)
PROVIDERS = expect(403, owner=200, colleague=200, other_provider=200)
CALL_MANAGERS = expect(403, department=200, coordinator=200, admin=200)
DOWNLOAD_SUBMITTED = dict(VISIBLE_TO_MANAGERS, assigned_reviewer=200)

# (name, method, url, proposal status, expected per actor)
MATRIX = [
    ("new", "GET", "/calls/{other_call}/proposals/new", "draft", PROVIDERS),
    ("call_list", "GET", "/calls/{call}/proposals", "submitted", CALL_MANAGERS),
    ("mine", "GET", "/proposals/mine", "draft", PROVIDERS),
    ("show_draft", "GET", "/proposals/{proposal}", "draft", MEMBERS_ONLY),
    ("show_withdrawn", "GET", "/proposals/{proposal}", "withdrawn", MEMBERS_ONLY),
    ("show_submitted", "GET", "/proposals/{proposal}", "submitted", VISIBLE_TO_MANAGERS),
    ("show_selected", "GET", "/proposals/{proposal}", "selected", VISIBLE_TO_MANAGERS),
    ("edit_draft", "GET", "/proposals/{proposal}/edit", "draft", MEMBERS_ONLY),
    ("edit_submitted", "GET", "/proposals/{proposal}/edit", "submitted",
     dict(MANAGER_WRITE_REFUSED, owner=200, colleague=200)),
    ("download_draft", "GET", "/proposals/{proposal}/attachments/{item}", "draft", MEMBERS_ONLY),
    ("download_submitted", "GET", "/proposals/{proposal}/attachments/{item}", "submitted",
     DOWNLOAD_SUBMITTED),
]  # fmt: skip

WRITES = [
    ("edit", "/proposals/{proposal}/edit", "draft", MEMBER_WRITE),
    ("submit", "/proposals/{proposal}/submit", "draft", MEMBER_WRITE),
    ("withdraw", "/proposals/{proposal}/withdraw", "submitted", MANAGER_WRITE_REFUSED),
    ("reopen", "/proposals/{proposal}/reopen", "withdrawn", MEMBER_WRITE),
    ("upload", "/proposals/{proposal}/attachments", "submitted", MANAGER_WRITE_REFUSED),
    ("delete", "/proposals/{proposal}/attachments/{item}/delete", "draft", MEMBER_WRITE),
]


@pytest.fixture
def reviewers(monkeypatch):
    """The evaluation helper's can_review, faked: True for the assigned reviewer only."""
    allowed: set[int] = set()
    module = sys.modules.get("matchmaker.evaluation.services")
    if module is None:
        try:
            import matchmaker.evaluation.services as module
        except ImportError:
            module = types.ModuleType("matchmaker.evaluation.services")
            monkeypatch.setitem(sys.modules, "matchmaker.evaluation.services", module)
    monkeypatch.setattr(module, "can_review", lambda user, p: user.id in allowed, raising=False)
    return allowed


def setup(call, owner, status, reviewers, actor):
    proposal = make_proposal(call, owner, status)
    attachment = store_pdf(io.BytesIO(PDF), "plan.pdf", owner, owner.organization_id)
    item = ProposalAttachment(proposal_id=proposal.id, attachment=attachment)
    db.session.add(item)
    db.session.flush()
    other_call = make_call(call.organization)
    return proposal, {"proposal": proposal.id, "item": item.id, "call": call.id,
                      "other_call": other_call.id}  # fmt: skip


def sign_in(login_as, kind, owner, call, reviewers):
    if kind == "anonymous":
        return None
    if kind == "owner":
        return login_as(user=owner)
    if kind == "colleague":
        return login_as(Role.PROVIDER, org=owner.organization)
    if kind == "other_provider":
        return login_as(Role.PROVIDER)
    if kind == "department":
        return login_as(Role.DEPARTMENT, org=call.organization)
    if kind == "other_department":
        return login_as(Role.DEPARTMENT)
    if kind == "assigned_reviewer":
        user = make_user(Role.REVIEWER)
        reviewers.add(user.id)
        return login_as(user=user)
    return login_as(Role(kind))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name,method,url,status,expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_read_routes(client, login_as, call, owner, reviewers, name, method, url, status,
                     expected, actor):  # fmt: skip
    proposal, ids = setup(call, owner, status, reviewers, actor)
    sign_in(login_as, actor, owner, call, reviewers)
    response = client.get(url.format(**ids))
    assert response.status_code == expected[actor]
    if response.status_code == 302 and actor == "anonymous":
        assert "/login" in response.location
    if response.status_code in (403, 404):
        assert proposal.title.encode() not in response.data


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("name,url,status,expected", WRITES, ids=[w[0] for w in WRITES])
def test_write_routes(client, login_as, call, owner, reviewers, name, url, status, expected,
                      actor):  # fmt: skip
    proposal, ids = setup(call, owner, status, reviewers, actor)
    before = (proposal.status, proposal.title, proposal.version, len(proposal.attachments))
    sign_in(login_as, actor, owner, call, reviewers)
    payload = {"version": str(proposal.version)}
    if name == "edit":
        payload = proposal_form(title="Overwritten", version=str(proposal.version))
    if name == "upload":
        payload = {"files": [(io.BytesIO(PDF), "more.pdf")]}
    response = client.post(url.format(**ids), data=payload)
    assert response.status_code == expected[actor]
    db.session.expire_all()
    fresh = db.session.get(Proposal, proposal.id)
    after = (fresh.status, fresh.title, fresh.version, len(fresh.attachments))
    assert (after != before) == (expected[actor] == 302 and actor != "anonymous")


@pytest.mark.parametrize(
    "url", ["/proposals/999999", "/proposals/999999/edit", "/calls/999999/proposals/new",
            "/calls/999999/proposals", "/proposals/999999/attachments/1"],
)  # fmt: skip
def test_unknown_ids_are_404(client, login_as, owner, url):
    login_as(user=owner)
    assert client.get(url).status_code == 404


def test_a_draft_call_is_404_for_providers(client, login_as, department, owner):
    call = make_call(department, status="draft")
    login_as(user=owner)
    assert client.get(f"/calls/{call.id}/proposals/new").status_code == 404


def test_pending_provider_cannot_propose(client, login_as, call):
    from matchmaker.accounts.models import AccountStatus

    login_as(Role.PROVIDER, status=AccountStatus.PENDING)
    assert client.get(f"/calls/{call.id}/proposals/new").status_code == 403


def test_download_with_the_real_reviewer_rules(client, login_as, call, owner):
    """Assigned reviewers download; one who declared a conflict with the applicant does not."""
    evaluation = pytest.importorskip("matchmaker.evaluation.models")
    proposal, ids = setup(call, owner, "submitted", None, None)
    url = "/proposals/{proposal}/attachments/{item}".format(**ids)
    assigned, conflicted = make_user(Role.REVIEWER), make_user(Role.REVIEWER)
    for reviewer in (assigned, conflicted):
        db.session.add(evaluation.ReviewerAssignment(call_id=call.id, reviewer_id=reviewer.id))
    db.session.add(
        evaluation.ConflictOfInterest(
            call_id=call.id, reviewer_id=conflicted.id, organization_id=proposal.organization_id
        )
    )
    db.session.flush()
    login_as(user=assigned)
    assert client.get(url).status_code == 200
    assert client.get(f"/proposals/{proposal.id}").status_code == 404  # only via evaluation
    login_as(user=conflicted)
    assert client.get(url).status_code == 404
