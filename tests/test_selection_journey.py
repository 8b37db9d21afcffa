"""From a published need to an announced selection, through the web pages as each actor sees
them (issue 4), plus the deadline, double-submit and digest edge cases around that path."""

from __future__ import annotations

import io
import re
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.audit.models import AuditEvent
from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.timezone import TOKYO, format_tokyo, from_tokyo, to_tokyo
from matchmaker.db import utcnow
from matchmaker.evaluation.models import (
    AssignmentStatus,
    ConflictOfInterest,
    ReviewerAssignment,
    Score,
)
from matchmaker.extensions import db
from matchmaker.jobs.services import run_jobs
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.notifications.models import Notification, OutboxMessage, OutboxStatus
from matchmaker.proposals import access
from matchmaker.proposals import services as proposal_services
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.review.models import PairReview, PairStatus
from tests.factories import make_org, make_user
from tests.matching import conftest as matching
from tests.matching.conftest import add_seed, encode
from tests.proposals.helpers import PDF, make_call, make_proposal, proposal_form

# the matcher's fixtures: the real encoders, loaded once per session, and a fresh index per test
encoders = matching.encoders
fresh_index = matching.fresh_index
english_pages = matching.english_pages

CALL_TITLE = "見守りセンサーの実証公募"
PROPOSAL_TITLE = "Radar fall detection pilot in Setagaya"
CALL_TITLE_PROPOSALS = "高齢者見守りの公募"  # tests.proposals.helpers.make_call's default title
NEED_FORM = {
    "title": "一人暮らし高齢者の見守り",
    "summary": "一人暮らしの高齢者が自宅で転倒したときに、すぐに家族やケアスタッフに知らせる"
    "仕組みを探しています。",
    "problem": "転倒に気づくまで時間がかかる。",
    "desired_outcome": "転倒から数分以内に通知が届く。",
    "policy_areas": ["elderly_care"],
    "language": "ja",
    "min_trl": "5",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def tokyo_minute(moment: datetime) -> datetime:
    """A naive Tokyo wall-clock time, as typed into a datetime-local input."""
    return to_tokyo(moment).replace(tzinfo=None, second=0, microsecond=0)


def sign_out(client) -> None:
    with client.session_transaction() as sess:
        sess.clear()


def notes(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        )
    )


def audit_count(action: str, obj_id: int) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == action, AuditEvent.object_id == obj_id)
    )


@pytest.fixture
def no_smtp(app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_HOST", "")


def test_from_published_need_to_announced_selection(client, login_as, encoders, no_smtp):
    # --- the actors ----------------------------------------------------------------------------
    department_org = make_org(OrgKind.DEPARTMENT, name="福祉局")
    department = make_user(Role.DEPARTMENT, org=department_org)
    coordinator = make_user(Role.COORDINATOR)
    provider_org = make_org(OrgKind.STARTUP, name="Sensorica")
    alice = make_user(Role.PROVIDER, org=provider_org)  # writes the proposal
    bob = make_user(Role.PROVIDER, org=provider_org)  # a colleague: hears the outcome too
    alice.locale = bob.locale = "en"
    outsider = make_user(Role.PROVIDER)  # another startup, not invited
    reviewer_a = make_user(Role.REVIEWER)
    reviewer_b = make_user(Role.REVIEWER)  # declares a conflict with Sensorica
    seed = add_seed("fall_en", org=provider_org)
    other_seed = add_seed("bus_en")
    encode(encoders, seed, other_seed)
    db.session.flush()

    # --- 1. the department's need is written, reviewed and published ---------------------------
    login_as(user=department)
    response = client.post("/needs/new", data=NEED_FORM)
    assert response.status_code == 302
    need = db.session.scalars(select(Need).where(Need.organization_id == department_org.id)).one()
    assert need.status is NeedStatus.DRAFT
    assert client.post(f"/needs/{need.id}/submit", data={}).status_code == 302
    login_as(user=coordinator)
    assert client.post(f"/needs/{need.id}/approve", data={}).status_code == 302
    need = db.session.get(Need, need.id)
    assert need.status is NeedStatus.PUBLISHED and need.published_at is not None
    sign_out(client)
    assert NEED_FORM["title"] in text(client.get("/needs"))

    # --- 2. the department opens a call: criteria with weights, times typed in Tokyo -----------
    now = utcnow()
    opens_local = tokyo_minute(now - timedelta(hours=1))
    closes_local = tokyo_minute(now + timedelta(days=3))
    login_as(user=department)
    assert client.get(f"/needs/{need.id}/calls/new").status_code == 200
    response = client.post(
        f"/needs/{need.id}/calls/new",
        data={
            "title": CALL_TITLE,
            "description": "高齢者宅でのセンサー実証",
            "eligibility": "都内に拠点のある事業者",
            "opens_at": opens_local.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": closes_local.strftime("%Y-%m-%dT%H:%M"),
            "budget_max": "5000000",
            "budget_currency": "JPY",
            "pilot_period": "6か月",
            "language": "ja",
            "criteria-0-name": "Impact",
            "criteria-0-description": "How many falls are caught",
            "criteria-0-weight": "70",
            "criteria-1-name": "Cost",
            "criteria-1-weight": "30",
        },
    )
    assert response.status_code == 302
    call = db.session.scalars(select(Call).where(Call.need_id == need.id)).one()
    assert call.status is CallStatus.DRAFT
    assert call.organization_id == department_org.id
    assert call.opens_at == from_tokyo(opens_local) and call.opens_at.utcoffset() == timedelta(0)
    assert call.closes_at == from_tokyo(closes_local)
    assert [(c.name, c.weight) for c in call.criteria] == [("Impact", 70), ("Cost", 30)]
    page = text(client.get(f"/calls/{call.id}"))
    assert f"{closes_local:%Y-%m-%d %H:%M} JST" in page and "70%" in page and "30%" in page

    # publishing a call whose opening time has passed opens it at once; the job has nothing to do
    response = client.post(f"/calls/{call.id}/publish", data={"version": str(call.version)})
    assert response.status_code == 302
    call = db.session.get(Call, call.id)
    assert call.status is CallStatus.OPEN
    assert call.published_at is not None and call.opened_at is not None
    assert run_jobs(["calls.open_due"], now=utcnow()) == {"calls.open_due": "opened 0 call(s)"}
    sign_out(client)
    assert CALL_TITLE in text(client.get("/calls"))

    # --- 3. a coordinator invites the provider's seed from the need's review queue -------------
    login_as(user=coordinator)
    page = text(client.get(f"/needs/{need.id}/review-queue"))
    ranked = re.findall(r'id="pair-(\d+)"', page)
    assert ranked[:1] == [str(seed.id)], "the fall sensor should be the best match"
    response = client.post(
        f"/needs/{need.id}/review-queue/{seed.id}/decide",
        data={"action": "invite", "version": "0", "reason": "Strong fit for the pilot"},
    )
    assert response.status_code == 302
    pair = db.session.scalars(select(PairReview).where(PairReview.need_id == need.id)).one()
    assert (pair.seed_id, pair.status) == (seed.id, PairStatus.INVITED)
    assert pair.updated_by_id == coordinator.id and pair.score is not None
    assert "Invited to apply: " + seed.title in text(client.get(f"/needs/{need.id}/review-queue"))

    # --- 4. the invited provider hears of it, writes a proposal with a PDF and submits ---------
    for member in (alice, bob):
        (invitation,) = notes(member, "pair_invited")
        assert invitation.link == f"/calls/{call.id}"
        assert invitation.params["call_id"] == call.id
    assert notes(outsider, "pair_invited") == []
    login_as(user=alice)
    inbox = text(client.get("/notifications"))
    assert f"Invitation to apply: {NEED_FORM['title']}" in inbox
    assert f"A call for proposals is open: {CALL_TITLE}" in inbox
    call_page = text(client.get(f"/calls/{call.id}"))
    assert "Write a proposal" in call_page
    assert client.get(f"/calls/{call.id}/proposals/new").status_code == 200
    response = client.post(
        f"/calls/{call.id}/proposals/new",
        data=proposal_form(title=PROPOSAL_TITLE, seed_id=str(seed.id)),
    )
    assert response.status_code == 302
    proposal = db.session.scalars(select(Proposal).where(Proposal.call_id == call.id)).one()
    assert response.location.endswith(f"/proposals/{proposal.id}")
    assert proposal.status is ProposalStatus.DRAFT
    assert (proposal.organization_id, proposal.seed_id) == (provider_org.id, seed.id)
    response = client.post(
        f"/proposals/{proposal.id}/attachments",
        data={"files": (io.BytesIO(PDF), "pilot-plan.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    proposal = db.session.get(Proposal, proposal.id)
    (item,) = proposal.attachments
    assert item.attachment.original_name == "pilot-plan.pdf"
    response = client.post(
        f"/proposals/{proposal.id}/submit", data={"version": str(proposal.version)}
    )
    assert response.status_code == 302
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status is ProposalStatus.SUBMITTED and proposal.submitted_at is not None
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert "Submitted" in page and "pilot-plan.pdf" in page and ">Withdraw</button>" in page
    assert len(notes(alice, "proposal_submitted")) == 1
    assert len(notes(department, "proposal_received")) == 1
    attachment_url = f"/proposals/{proposal.id}/attachments/{item.id}"

    # --- 5. the call closes on time: the job, given a moment after closes_at -------------------
    closed_at = call.closes_at + timedelta(seconds=1)
    assert run_jobs(["calls.close_due"], now=closed_at) == {"calls.close_due": "closed 1 call(s)"}
    call = db.session.get(Call, call.id)
    assert call.status is CallStatus.UNDER_EVALUATION and call.closed_at == closed_at
    page = text(client.get(f"/proposals/{proposal.id}"))
    assert ">Withdraw</button>" not in page and "/edit" not in page

    # --- 6. a coordinator assigns two reviewers; B declares a conflict with the applicant ------
    login_as(user=coordinator)
    assert client.get(f"/calls/{call.id}/reviewers").status_code == 200
    response = client.post(
        f"/calls/{call.id}/reviewers", data={"reviewers": [reviewer_a.id, reviewer_b.id]}
    )
    assert response.status_code == 302
    panel = db.session.scalars(
        select(ReviewerAssignment).where(ReviewerAssignment.call_id == call.id)
    )
    assert {a.reviewer_id for a in panel} == {reviewer_a.id, reviewer_b.id}
    assert len(notes(reviewer_a, "reviewer_assigned")) == 1

    login_as(user=reviewer_b)
    assert PROPOSAL_TITLE in text(client.get(f"/reviews/calls/{call.id}"))  # not declared yet
    response = client.post(
        f"/reviews/calls/{call.id}/conflicts",
        data={"organization": str(provider_org.id), "reason": "I advise Sensorica."},
    )
    assert response.status_code == 302
    (conflict,) = db.session.scalars(select(ConflictOfInterest))
    assert (conflict.reviewer_id, conflict.organization_id) == (reviewer_b.id, provider_org.id)
    page = text(client.get(f"/reviews/calls/{call.id}"))
    assert PROPOSAL_TITLE not in page and "Nothing pending." in page
    assert client.get(f"/reviews/proposals/{proposal.id}").status_code == 404
    scores_b = {f"value_{c.id}": "1" for c in call.criteria}
    scores_b.update({f"comment_{c.id}": "biased" for c in call.criteria})
    assert client.post(f"/reviews/proposals/{proposal.id}", data=scores_b).status_code == 404
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    assert client.get(attachment_url).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Score)) == 0

    # --- 7. reviewer A reads the PDF and scores every criterion with a comment -----------------
    login_as(user=reviewer_a)
    page = text(client.get(f"/reviews/calls/{call.id}"))
    assert PROPOSAL_TITLE in page and "Pending (1)" in page
    download = client.get(attachment_url)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    page = text(client.get(f"/reviews/proposals/{proposal.id}"))
    assert "Impact" in page and "Cost" in page
    impact, cost = call.criteria
    response = client.post(
        f"/reviews/proposals/{proposal.id}",
        data={
            f"value_{impact.id}": "4",
            f"comment_{impact.id}": "Catches most falls in the trial data.",
            f"value_{cost.id}": "5",
            f"comment_{cost.id}": "Well under the budget.",
        },
    )
    assert response.status_code == 302
    scores = db.session.scalars(select(Score).order_by(Score.criterion_id)).all()
    assert [(s.reviewer_id, s.criterion_id, s.value) for s in scores] == [
        (reviewer_a.id, impact.id, 4),
        (reviewer_a.id, cost.id, 5),
    ]
    assert all(s.comment for s in scores)
    assert "Done (1)" in text(client.get(f"/reviews/calls/{call.id}"))
    assert client.post(f"/reviews/calls/{call.id}/done", data={}).status_code == 302
    assignment = db.session.scalars(
        select(ReviewerAssignment).where(ReviewerAssignment.reviewer_id == reviewer_a.id)
    ).one()
    assert assignment.status is AssignmentStatus.COMPLETED

    # --- 8. the coordinator ranks, decides "selected" and announces ----------------------------
    login_as(user=coordinator)
    page = text(client.get(f"/calls/{call.id}/evaluation"))
    assert PROPOSAL_TITLE in page and "4.30" in page  # 0.7 × 4 + 0.3 × 5
    prefix = f"p{proposal.id}-"
    response = client.post(
        f"/calls/{call.id}/evaluation/proposals/{proposal.id}/decision",
        data={
            prefix + "decision": "selected",
            prefix + "reason": "Best impact for the budget.",
            prefix + "version": str(proposal.version),
        },
    )
    assert response.status_code == 302
    proposal = db.session.get(Proposal, proposal.id)
    assert proposal.status is ProposalStatus.SELECTED and proposal.decided_by_id == coordinator.id
    assert notes(alice, "proposal_outcome") == []  # not before the announcement
    login_as(user=alice)
    assert "Selected" not in text(client.get(f"/proposals/{proposal.id}"))
    login_as(user=coordinator)
    assert client.post(f"/calls/{call.id}/evaluation/announce", data={}).status_code == 302
    call = db.session.get(Call, call.id)
    assert call.status is CallStatus.DECIDED and call.decided_at is not None

    # --- 9. every member of the applicant hears the outcome, in-app and in the outbox ----------
    for member in (alice, bob):
        (outcome,) = notes(member, "proposal_outcome")
        assert outcome.link == f"/proposals/{proposal.id}"
        assert outcome.params["outcome"] == "selected"
        (mail,) = db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.user_id == member.id,
                OutboxMessage.dedupe_key == f"notification:{outcome.id}",
            )
        )
        assert mail.to_address == member.email and mail.status is OutboxStatus.PENDING
        assert mail.subject == f"Result of your proposal: {PROPOSAL_TITLE}"
        assert "was selected" in mail.body and f"/proposals/{proposal.id}" in mail.body
    assert notes(outsider, "proposal_outcome") == [] and notes(department, "proposal_outcome") == []
    login_as(user=bob)
    inbox = text(client.get("/notifications"))
    assert f"Result of your proposal: {PROPOSAL_TITLE}" in inbox and "was selected" in inbox
    assert "Selected" in text(client.get(f"/proposals/{proposal.id}"))

    # no SMTP: the outbox job keeps the messages for the admin to read
    pending = db.session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
    )
    result = run_jobs(["notifications.send_outbox"], now=utcnow())
    assert result == {"notifications.send_outbox": f"{pending} stored (no SMTP configured)"}
    assert run_jobs(["notifications.send_outbox"], now=utcnow()) == {
        "notifications.send_outbox": "0 stored (no SMTP configured)"
    }
    login_as(Role.ADMIN)
    page = text(client.get("/admin/outbox"))
    assert alice.email in page and f"Result of your proposal: {PROPOSAL_TITLE}" in page


# --- edge cases ---------------------------------------------------------------------------------


@pytest.fixture
def department():
    return make_org(OrgKind.DEPARTMENT)


@pytest.fixture
def applicant():
    return make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))


def freeze(monkeypatch, moment: datetime) -> None:
    """The proposals' clock (deadline checks) at `moment`; the call's status stays OPEN, as
    when the closing job has not run yet."""
    monkeypatch.setattr(proposal_services, "utcnow", lambda: moment)


def test_a_submission_one_second_after_closing_is_refused(
    client, login_as, department, applicant, monkeypatch
):
    closes_at = utcnow().replace(microsecond=0) + timedelta(hours=1)
    call = make_call(department, closes_at=closes_at)
    draft = make_proposal(call, applicant)
    late = make_user(Role.PROVIDER)
    version = draft.version
    freeze(monkeypatch, closes_at + timedelta(seconds=1))

    login_as(user=applicant)
    response = client.post(f"/proposals/{draft.id}/submit", data={"version": str(version)})
    assert response.status_code == 409
    assert f"The call closed at {format_tokyo(closes_at)}" in text(response)
    draft = db.session.get(Proposal, draft.id)
    assert draft.status is ProposalStatus.DRAFT and draft.submitted_at is None
    assert draft.version == version and audit_count("proposal_submit", draft.id) == 0
    assert notes(applicant, "proposal_submitted") == []
    edit = client.post(
        f"/proposals/{draft.id}/edit", data=proposal_form(title="Late", version=str(version))
    )
    assert edit.status_code == 409
    assert db.session.get(Proposal, draft.id).title != "Late"

    login_as(user=late)
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    assert response.status_code == 409
    assert access.organization_proposal(call.id, late.organization_id) is None

    # one second before the deadline the same submission goes through
    freeze(monkeypatch, closes_at - timedelta(seconds=1))
    login_as(user=applicant)
    response = client.post(f"/proposals/{draft.id}/submit", data={"version": str(version)})
    assert response.status_code == 302
    assert db.session.get(Proposal, draft.id).status is ProposalStatus.SUBMITTED


def proposals_of(call) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.call_id == call.id)))


def test_double_posts_make_one_proposal_and_one_submission(client, login_as, department, applicant):
    call = make_call(department)
    colleague = make_user(Role.PROVIDER, org=applicant.organization)
    login_as(user=applicant)
    first = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    second = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form(title="Again"))
    (proposal,) = proposals_of(call)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location == f"/proposals/{proposal.id}"
    assert proposal.title != "Again" and audit_count("proposal_create", proposal.id) == 1

    version = str(proposal.version)
    first = client.post(f"/proposals/{proposal.id}/submit", data={"version": version})
    second = client.post(f"/proposals/{proposal.id}/submit", data={"version": version})
    assert first.status_code == second.status_code == 302
    (proposal,) = proposals_of(call)
    assert proposal.status is ProposalStatus.SUBMITTED
    assert audit_count("proposal_submit", proposal.id) == 1
    for member in (applicant, colleague):
        assert len(notes(member, "proposal_submitted")) == 1
    assert "already" in text(client.get(f"/proposals/{proposal.id}"))


def test_two_new_proposal_requests_racing_make_one(
    client, login_as, department, applicant, monkeypatch
):
    """Both requests saw no proposal: the unique (call, organization) row decides."""
    call = make_call(department)
    existing = make_proposal(call, applicant)
    monkeypatch.setattr(access, "organization_proposal", lambda *args: None)
    real = proposal_services.organization_proposal
    seen = []

    def first_sees_nothing(*args):
        seen.append(args)
        return None if len(seen) == 1 else real(*args)

    monkeypatch.setattr(proposal_services, "organization_proposal", first_sees_nothing)
    login_as(user=applicant)
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form(title="Twin"))
    assert response.status_code == 302
    assert response.location == f"/proposals/{existing.id}"
    assert [p.id for p in proposals_of(call)] == [existing.id]


def test_the_digest_job_twice_the_same_day_makes_one_digest_per_reader(
    client, login_as, department, no_smtp
):
    now = utcnow()
    call = make_call(department, closes_at=now + timedelta(hours=1))
    daily = [make_user(Role.PROVIDER), make_user(Role.PROVIDER)]
    realtime = make_user(Role.PROVIDER)
    for user in (*daily, realtime):
        user.locale = "en"
        login_as(user=user)
        if user is not realtime:
            response = client.post("/notifications/preferences", data={"frequency": "daily"})
            assert response.status_code == 302
        assert client.post(f"/follow/call/{call.id}", data={}).status_code == 302
    run_jobs(["calls.close_due"], now=call.closes_at)
    for user in (*daily, realtime):
        assert len(notes(user, "call_closed")) == 1

    # the next morning in Tokyo, after the digest hour, and again that evening
    tomorrow = to_tokyo(now).date() + timedelta(days=1)
    morning = datetime.combine(tomorrow, time(9), tzinfo=TOKYO)
    first = run_jobs(["notifications.digests"], now=morning)
    second = run_jobs(["notifications.digests"], now=morning + timedelta(hours=9))
    assert first == {"notifications.digests": "2 digests queued for 2 digest readers"}
    assert second == {"notifications.digests": "0 digests queued for 2 digest readers"}
    for user in daily:
        (digest,) = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user.id)
        )
        assert digest.dedupe_key == f"digest:{user.id}:{tomorrow.isoformat()}"
        assert "1 updates" in digest.subject and CALL_TITLE_PROPOSALS in digest.body
    (mail,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == realtime.id))
    assert not mail.dedupe_key.startswith("digest:")
