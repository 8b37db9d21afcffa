"""Issue 4 routes × every role: review queue, calls, proposals, evaluation, notifications.

Same table design as tests/test_access_matrix.py (whose completeness test reads these tables
too). The world here is larger, so each row is one test that tries every role in turn, each
request inside a savepoint rolled back afterwards: every role meets the same world.
"""

from __future__ import annotations

import io
from contextlib import contextmanager
from datetime import timedelta

import pytest

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallDocument, CallQuestion, CallStatus
from matchmaker.db import utcnow
from matchmaker.evaluation.models import ConflictOfInterest
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.needs.models import NeedStatus
from matchmaker.needs.revisions import propose_revision
from matchmaker.needs.services import NeedData
from matchmaker.notifications.models import Follow, Notification, OutboxMessage, OutboxStatus
from matchmaker.proposals.models import ProposalAttachment, ProposalStatus
from matchmaker.review.models import PairReview, PairStatus
from matchmaker.uploads.services import store_pdf
from tests.calls.conftest import make_call
from tests.evaluation.conftest import assign, give_scores, score_form
from tests.evaluation.conftest import make_proposal as make_submitted
from tests.factories import make_need, make_user
from tests.proposals.helpers import PDF, make_proposal, proposal_form
from tests.test_access_matrix import (
    ADMIN_ONLY,
    DENIED,
    LOGIN,
    PROVIDERS_ONLY,
    PUBLIC,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_ONLY,
    STAFF_ONLY,
    expect,
    make_world,
    snapshot,
)

MANAGERS = ("department", "coordinator", "admin")  # of the department's calls
REVIEWERS = ("reviewer", "other_reviewer")
# never in a refused page: drafts, proposals, pending texts, e-mails
SECRETS = ("Secret draft call", "Secret draft proposal", "Submitted proposal", "Pending title")
SECRETS += ("Private outbox subject",)


def only(default: int, roles, ok: int = 200, **more: int) -> dict[str, int]:
    """`ok` for `roles`, `default` for the other signed-in roles, sign-in for visitors."""
    return expect(default, anonymous=LOGIN, **dict.fromkeys(roles, ok), **more)


MANAGERS_ONLY = only(403, MANAGERS)
STAFF_DO = {"coordinator": 302, "admin": 302}
MANAGERS_DO = dict.fromkeys(MANAGERS, 302)
PROVIDER_DOES = {"provider": 302}
EVERYONE_DOES = dict.fromkeys(SIGNED_IN, 302)
VISIBLE_TO_MANAGERS = only(404, MANAGERS, 200, provider=200)  # a submitted proposal
CALL_MANAGERS_ONLY = expect(404, **dict.fromkeys(MANAGERS, 200))  # a draft call, unsigned ok

# (endpoint, url with {placeholders}, expected status per role)
CALL_GET_MATRIX = [
    ("review.queue", "/needs/{published_need}/review-queue", STAFF_ONLY),
    ("calls.list_calls", "/calls", PUBLIC),
    ("calls.manage_calls", "/calls/manage", only(403, (*MANAGERS, "other_department"))),
    ("calls.calls_for_me", "/calls/for-me", PROVIDERS_ONLY),
    ("calls.new_call", "/needs/{call_need}/calls/new", MANAGERS_ONLY),
    ("calls.show_call", "/calls/{open_call}", PUBLIC),
    ("calls.show_call", "/calls/{eval_call}", PUBLIC),
    ("calls.show_call", "/calls/{draft_call}", CALL_MANAGERS_ONLY),
    ("calls.edit_call", "/calls/{draft_call}/edit", only(404, MANAGERS)),
    ("calls.edit_call", "/calls/{open_call}/edit", only(403, MANAGERS, 409)),
    ("calls.download_document", "/calls/{open_call}/documents/{open_doc}", PUBLIC),
    ("calls.download_document", "/calls/{draft_call}/documents/{draft_doc}", CALL_MANAGERS_ONLY),
    ("calls.download_document", "/calls/{open_call}/documents/{draft_doc}", expect(404)),
    ("proposals.new_proposal", "/calls/{open_call}/proposals/new",
     only(403, ("other_provider",), provider=302)),  # provider: to its existing draft
    ("proposals.new_proposal", "/calls/{draft_call}/proposals/new", only(404, MANAGERS, 403)),
    ("proposals.call_proposals", "/calls/{eval_call}/proposals", MANAGERS_ONLY),
    ("proposals.call_proposals", "/calls/{draft_call}/proposals", only(404, MANAGERS)),
    ("proposals.my_proposals", "/proposals/mine", PROVIDERS_ONLY),
    ("proposals.show_proposal", "/proposals/{draft_proposal}", only(404, ("provider",))),
    ("proposals.show_proposal", "/proposals/{submitted_proposal}", VISIBLE_TO_MANAGERS),
    ("proposals.edit_proposal", "/proposals/{draft_proposal}/edit", only(404, ("provider",))),
    ("proposals.edit_proposal", "/proposals/{submitted_proposal}/edit",  # the call is closed
     only(404, MANAGERS, 403, provider=409)),
    ("proposals.download_attachment", "/proposals/{draft_proposal}/attachments/{draft_item}",
     only(404, ("provider",))),
    ("proposals.download_attachment",
     "/proposals/{submitted_proposal}/attachments/{submitted_item}",
     dict(VISIBLE_TO_MANAGERS, reviewer=200)),  # not other_reviewer: conflict declared
    ("proposals.download_attachment",
     "/proposals/{submitted_proposal}/attachments/{draft_item}", only(404, ())),
    ("evaluation.my_reviews", "/reviews", only(403, REVIEWERS)),
    ("evaluation.review_call", "/reviews/calls/{eval_call}", only(404, REVIEWERS)),
    ("evaluation.review_call", "/reviews/calls/{open_call}", only(404, ())),  # not assigned
    ("evaluation.score_proposal", "/reviews/proposals/{submitted_proposal}",
     only(404, ("reviewer",))),
    ("evaluation.reviewers", "/calls/{eval_call}/reviewers", STAFF_ONLY),
    ("evaluation.evaluation", "/calls/{eval_call}/evaluation", MANAGERS_ONLY),
    ("notifications.index", "/notifications", SIGNED_IN_ONLY),
    ("notifications.preferences", "/notifications/preferences", SIGNED_IN_ONLY),
    ("admin.outbox", "/admin/outbox", ADMIN_ONLY),
    ("admin.outbox_message", "/admin/outbox/{message}", ADMIN_ONLY),
]  # fmt: skip

# (endpoint, url, the roles allowed through and their status); every other signed-in role
# gets 403 or 404, visitors go to sign in, and the database does not change
CALL_POST_MATRIX = [
    ("review.decide", "/needs/{published_need}/review-queue/{published_seed}/decide", STAFF_DO),
    ("review.bulk", "/needs/{published_need}/review-queue/bulk", STAFF_DO),
    ("review.add_note", "/needs/{published_need}/review-queue/{published_seed}/notes", STAFF_DO),
    ("needs.approve_revision", "/needs/{call_need}/revisions/{revision}/approve", STAFF_DO),
    ("needs.reject_revision", "/needs/{call_need}/revisions/{revision}/reject", STAFF_DO),
    ("calls.new_call", "/needs/{call_need}/calls/new", MANAGERS_DO),
    ("calls.edit_call", "/calls/{draft_call}/edit", MANAGERS_DO),
    ("calls.publish_call", "/calls/{draft_call}/publish", MANAGERS_DO),
    ("calls.cancel_call", "/calls/{open_call}/cancel", MANAGERS_DO),
    ("calls.upload_document", "/calls/{open_call}/documents", MANAGERS_DO),
    ("calls.ask_question", "/calls/{open_call}/questions",
     dict.fromkeys(("provider", "other_provider"), 302)),
    ("calls.ask_question", "/calls/{draft_call}/questions",
     dict.fromkeys(MANAGERS, 409)),  # they see the draft; it takes no questions
    ("calls.answer_question", "/calls/{open_call}/questions/{question}/answer", MANAGERS_DO),
    ("calls.answer_question", "/calls/{eval_call}/questions/{question}/answer", {}),
    ("calls.hide_question", "/calls/{open_call}/questions/{question}/hide", MANAGERS_DO),
    ("proposals.new_proposal", "/calls/{open_call}/proposals/new",
     dict.fromkeys(("provider", "other_provider"), 302)),  # provider: to its existing draft
    ("proposals.edit_proposal", "/proposals/{draft_proposal}/edit", PROVIDER_DOES),
    ("proposals.change_status", "/proposals/{draft_proposal}/submit", PROVIDER_DOES),
    ("proposals.change_status", "/proposals/{submitted_proposal}/withdraw",
     {"provider": 409}),  # the call is closed
    ("proposals.upload_attachments", "/proposals/{draft_proposal}/attachments", PROVIDER_DOES),
    ("proposals.delete_attachment", "/proposals/{draft_proposal}/attachments/{draft_item}/delete",
     PROVIDER_DOES),
    ("evaluation.declare_conflict", "/reviews/calls/{eval_call}/conflicts",
     {"reviewer": 302, "other_reviewer": 409}),  # other_reviewer already declared it
    ("evaluation.complete_review", "/reviews/calls/{eval_call}/done",
     dict.fromkeys(REVIEWERS, 302)),
    ("evaluation.reopen_review", "/reviews/calls/{eval_call}/reopen",
     dict.fromkeys(REVIEWERS, 409)),  # not completed yet
    ("evaluation.score_proposal", "/reviews/proposals/{submitted_proposal}", {"reviewer": 302}),
    ("evaluation.assign_reviewers", "/calls/{eval_call}/reviewers", STAFF_DO),
    ("evaluation.remove_reviewer", "/calls/{eval_call}/reviewers/{assignment}/remove", STAFF_DO),
    ("evaluation.decide",
     "/calls/{eval_call}/evaluation/proposals/{submitted_proposal}/decision",
     MANAGERS_DO),
    ("evaluation.decide",  # a proposal of another call
     "/calls/{eval_call}/evaluation/proposals/{draft_proposal}/decision", {}),
    ("evaluation.announce", "/calls/{eval_call}/evaluation/announce",
     dict.fromkeys(MANAGERS, 409)),  # a submitted proposal has no decision yet
    ("notifications.mark_read", "/notifications/{notification}/read", PROVIDER_DOES),
    ("notifications.open_notification", "/notifications/{notification}/open", PROVIDER_DOES),
    ("notifications.mark_all_read", "/notifications/read-all", EVERYONE_DOES),
    ("notifications.preferences", "/notifications/preferences", EVERYONE_DOES),
    ("notifications.follow", "/follow/need/{call_need}", EVERYONE_DOES),
    ("notifications.follow", "/follow/call/{draft_call}", {}),  # only public subjects
    ("notifications.follow", "/follow/need/{draft_need}", {}),
    ("notifications.unfollow", "/follow/need/{call_need}/delete", EVERYONE_DOES),
    ("notifications.subscribe", "/notifications/seeds/{published_seed}/subscription",
     PROVIDER_DOES),
    ("notifications.unsubscribe", "/notifications/seeds/{published_seed}/subscription/delete",
     PROVIDER_DOES),
]  # fmt: skip

# (url, text, the roles whose page may show it): pages everyone may open, parts they may not
HIDDEN_PARTS = [
    ("/calls", "Secret draft call", ()),
    ("/calls/manage", "Secret draft call", MANAGERS),
    ("/needs/{call_need}", "Secret draft call", MANAGERS),
    ("/needs/{call_need}", "Pending title", MANAGERS),
    ("/calls/{open_call}", "Pilot sites?", ("provider", *MANAGERS)),  # a pending question
    ("/calls/{eval_call}", "Submitted proposal", ()),
    ("/reviews/calls/{eval_call}", "Submitted proposal", ("reviewer",)),
    ("/proposals/mine", "Secret draft proposal", ("provider",)),
    ("/notifications", "Call opened:", ("provider",)),
    ("/dashboard", "Secret draft call", ("department",)),  # its own calls, by status
    ("/dashboard", "Secret draft proposal", ("provider",)),  # its own proposals
    ("/dashboard", "Submitted proposal", ("provider",)),
    ("/calls/{open_call}", "Secret draft proposal", ()),
    ("/calls/{eval_call}/evaluation", "Former employer", ()),
]

CALL_FORM = {
    "title": "Edited call",
    "opens_at": "2027-01-05T09:00",
    "closes_at": "2027-02-01T17:00",
    "budget_currency": "JPY",
    "language": "ja",
    "criteria-0-name": "Impact",
    "criteria-0-weight": "60",
    "criteria-1-name": "Cost",
    "criteria-1-weight": "40",
}


def post_data(endpoint: str, ids: dict) -> dict:
    """A valid form for the route, built afresh for each request (files are streams)."""
    pdf = (io.BytesIO(PDF), "extra.pdf")
    proposal, version = ids["submitted_proposal"], ids["submitted_version"]
    forms = {
        "review.decide": {
            "action": "dismiss",
            "version": str(ids["pair_version"]),
            "reason": "Not a fit.",
        },
        "review.bulk": {
            "pairs": [f"{ids['published_seed']}:{ids['pair_version']}"],
            "action": "dismiss",
            "reason": "Not a fit.",
        },
        "review.add_note": {"body": "Private note"},
        "needs.reject_revision": {"comment": "Keep the old title."},
        "calls.new_call": CALL_FORM,
        "calls.edit_call": CALL_FORM,
        "calls.upload_document": {"title": "Annex", "file": pdf},
        "calls.ask_question": {"body": "Is the deadline firm?"},
        "calls.answer_question": {"answer": "Yes."},
        "proposals.new_proposal": proposal_form(title="New proposal"),
        "proposals.edit_proposal": proposal_form(
            title="Edited proposal", version=str(ids["draft_version"])
        ),
        "proposals.upload_attachments": {"files": [pdf]},
        "evaluation.declare_conflict": {"organization": ids["startup"], "reason": "I advise it."},
        "evaluation.score_proposal": ids["score_form"],
        "evaluation.assign_reviewers": {"reviewers": [ids["spare_reviewer"]]},
        "evaluation.decide": {f"p{proposal}-decision": "selected", f"p{proposal}-version": version},
        "notifications.preferences": {"frequency": "daily"},
        "notifications.subscribe": {"threshold": "0.5"},
    }
    return dict(forms.get(endpoint, {}))


@pytest.fixture
def call_world(app):
    """The base world plus a need with an open, a draft and an evaluated call, proposals,
    attachments, documents, a reviewer panel, a pending revision and notifications."""
    runtime.reset_index(app)  # the matcher's index may hold records of rolled-back tests
    users, ids = make_world()
    department, provider = users["department"], users["provider"]
    now = utcnow()
    need = make_need(department.organization, NeedStatus.PUBLISHED)
    open_call = make_call(need, CallStatus.OPEN, now - timedelta(days=1), now + timedelta(days=7))
    draft_call = make_call(
        need, CallStatus.DRAFT, now + timedelta(days=3), now + timedelta(days=30),
        title="Secret draft call",
    )  # fmt: skip
    eval_call = make_call(
        need, CallStatus.UNDER_EVALUATION, now - timedelta(days=30), now - timedelta(days=1)
    )
    draft = make_proposal(open_call, provider, title="Secret draft proposal")
    submitted = make_submitted(
        eval_call, provider.organization, ProposalStatus.SUBMITTED, "Submitted proposal"
    )

    def pdf(owner):
        return store_pdf(io.BytesIO(PDF), "file.pdf", owner, owner.organization_id)

    items = [
        ProposalAttachment(proposal_id=p.id, attachment=pdf(provider)) for p in (draft, submitted)
    ]
    docs = [
        CallDocument(call_id=c.id, attachment=pdf(department), title="Guide")
        for c in (open_call, draft_call)
    ]
    question = CallQuestion(call_id=open_call.id, asked_by_id=provider.id, body="Pilot sites?")
    notification = Notification(
        user_id=provider.id, kind="call_opened", params={"title": open_call.title},
        link=f"/calls/{open_call.id}", dedupe_key="matrix:opened",
    )  # fmt: skip
    message = OutboxMessage(
        to_address="someone@example.org", subject="Private outbox subject", body="Hello",
        dedupe_key="matrix:mail", status=OutboxStatus.STORED,
    )  # fmt: skip
    pair = PairReview(
        need_id=ids["published_need"], seed_id=ids["published_seed"], status=PairStatus.SHORTLISTED
    )
    follow = Follow(user_id=provider.id, subject_type="need", subject_id=need.id)
    db.session.add_all([*items, *docs, question, notification, message, pair, follow])
    assignment = assign(eval_call, users["reviewer"])
    assign(eval_call, users["other_reviewer"])
    db.session.add(
        ConflictOfInterest(
            call_id=eval_call.id, reviewer_id=users["other_reviewer"].id,
            organization_id=provider.organization_id, reason="Former employer",
        )
    )  # fmt: skip
    give_scores(submitted, users["reviewer"], [4, 3])
    revision = propose_revision(
        department,
        need,
        NeedData(title="Pending title", summary="Pending summary", policy_areas=["elderly_care"]),
    )
    db.session.flush()
    ids.update(
        call_need=need.id,
        open_call=open_call.id,
        draft_call=draft_call.id,
        eval_call=eval_call.id,
        draft_proposal=draft.id,
        draft_version=draft.version,
        submitted_proposal=submitted.id,
        submitted_version=str(submitted.version),
        draft_item=items[0].id,
        submitted_item=items[1].id,
        open_doc=docs[0].id,
        draft_doc=docs[1].id,
        question=question.id,
        notification=notification.id,
        message=message.id,
        pair_version=pair.version,
        assignment=assignment.id,
        spare_reviewer=make_user(Role.REVIEWER).id,
        revision=revision.id,
        score_form=score_form(eval_call, [5, 5], "Better than I thought"),
    )
    return users, ids


@contextmanager
def rolled_back():
    """Whatever the request writes is undone, so the next role meets the same world."""
    savepoint = db.session.connection().begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        db.session.expire_all()


def attempt(app, users, role, method, url, data=None, before=None):
    """The response, and (when `before` is given) whether the database still equals it."""
    client = app.test_client()
    if role != "anonymous":
        with client.session_transaction() as sess:
            sess["_user_id"] = users[role].get_id()
            sess["_fresh"] = True
    with rolled_back():
        response = client.open(url, method=method, data=data)
        return response, before is None or snapshot() == before


def leaks(response, secrets=SECRETS) -> list[str]:
    body = response.get_data(as_text=True)
    return [secret for secret in secrets if secret in body]


def get_access_errors(app, users, url: str, expected: dict, secrets=SECRETS) -> dict[str, str]:
    """Each role's GET of `url` against its expected status; refused pages must not leak."""
    wrong = {}
    for role in ROLES:
        response, _ = attempt(app, users, role, "GET", url)
        got = response.status_code
        if got != expected[role]:
            wrong[role] = f"got {got}, expected {expected[role]}"
        elif got in (403, 404) and leaks(response, secrets):
            wrong[role] = f"{got} page shows {leaks(response, secrets)}"
        elif got == LOGIN and role == "anonymous" and "/login" not in response.location:
            wrong[role] = f"redirected to {response.location}"
    return wrong


def ids_of(table):
    return [f"{row[0]}:{row[1]}" for row in table]


@pytest.mark.parametrize(
    ("endpoint", "url", "expected"), CALL_GET_MATRIX, ids=ids_of(CALL_GET_MATRIX)
)
def test_get_access(app, call_world, endpoint, url, expected):
    users, ids = call_world
    wrong = get_access_errors(app, users, url.format(**ids), expected)
    assert wrong == {}, f"GET {url}"


@pytest.mark.parametrize(
    ("endpoint", "url", "allowed"), CALL_POST_MATRIX, ids=ids_of(CALL_POST_MATRIX)
)
def test_post_access(app, call_world, endpoint, url, allowed):
    users, ids = call_world
    before, wrong = snapshot(), {}
    for role in ROLES:
        data = post_data(endpoint, ids)
        check = before if role not in allowed or allowed[role] >= 400 else None
        response, unchanged = attempt(app, users, role, "POST", url.format(**ids), data, check)
        got = response.status_code
        if role == "anonymous":
            ok = got == LOGIN and "/login" in response.location
        elif role in allowed:
            ok = got == allowed[role]
        else:
            ok = got in DENIED
        if role != "anonymous" and got == LOGIN and "/login" in (response.location or ""):
            ok = False  # a signed-in user sent to sign in again
        if not ok:
            wrong[role] = f"got {got} ({response.location or ''})"
        elif not unchanged:
            wrong[role] = f"{got} but the database changed"
    assert wrong == {}, f"POST {url}"


@pytest.mark.parametrize(("url", "text", "may_see"), HIDDEN_PARTS, ids=ids_of(HIDDEN_PARTS))
def test_hidden_parts(app, call_world, url, text, may_see):
    users, ids = call_world
    wrong = {}
    for role in ROLES:
        response, _ = attempt(app, users, role, "GET", url.format(**ids))
        shown = text in response.get_data(as_text=True)
        if shown != (role in may_see):
            wrong[role] = f"{response.status_code}, {'shows' if shown else 'hides'} it"
    assert wrong == {}, f"GET {url}: {text}"
