"""Demo data for the selection workflow: calls in every phase, Q&A, proposals, reviews,
decisions, pair reviews, follows and notices, made through the services at past moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.calls.models import Call, CallDocument, CallQuestion, CallStatus, QuestionStatus
from matchmaker.common.text import normalize
from matchmaker.db import utcnow
from matchmaker.demo.services import demo_data, load_demo_data
from matchmaker.evaluation.models import AssignmentStatus, ReviewerAssignment, Score
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.notifications.models import Follow, Notification, OutboxMessage
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.review.models import PairNote, PairReview, PairStatus
from matchmaker.uploads.services import upload_dir

C, P = CallStatus, ProposalStatus
RECENT = timedelta(days=90)  # the current calls; older ones led to finished projects


@pytest.fixture
def loaded():
    before = utcnow()
    assert load_demo_data() is not None
    return before


def aware(moment: datetime) -> datetime:
    """Needs keep naive UTC times on SQLite; the issue-4 models keep aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def calls_by_status() -> dict[CallStatus, Call]:
    """The current demo calls, one in each phase."""
    calls = db.session.scalars(select(Call).where(Call.opens_at > utcnow() - RECENT)).all()
    by_status = {c.status: c for c in calls}
    assert len(by_status) == len(calls), "one demo call per phase"
    return by_status


def proposals_of(call: Call) -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.call_id == call.id)))


def user(email_prefix: str) -> User:
    return db.session.scalar(select(User).where(User.email.startswith(email_prefix + "@")))


def test_demo_calls_are_open_under_evaluation_and_decided(loaded):
    calls = calls_by_status()
    assert set(calls) == {C.OPEN, C.UNDER_EVALUATION, C.DECIDED}
    now = utcnow()
    open_call = calls[C.OPEN]
    assert open_call.opens_at < now
    assert timedelta(days=19) < open_call.closes_at - loaded < timedelta(days=23)
    closed = calls[C.UNDER_EVALUATION]
    assert timedelta(days=1) < now - closed.closes_at < timedelta(days=8)
    assert closed.closed_at == closed.closes_at and closed.decided_at is None
    decided = calls[C.DECIDED]
    assert decided.closed_at < decided.decided_at < now
    for call in calls.values():
        assert call.need.status is NeedStatus.PUBLISHED
        assert call.organization_id == call.need.organization_id
        assert call.published_at == call.opened_at == call.opens_at
        assert aware(call.need.published_at) < call.created_at < call.opens_at
        assert 3 <= len(call.criteria) <= 6 and all(1 <= c.weight <= 100 for c in call.criteria)
        assert normalize(call.title) in call.search_text
        assert normalize(call.need.title_translated) in call.search_text
        assert "English summary" in call.description  # Japanese calls, English readers
    hits = db.session.scalar(
        select(func.count()).select_from(Call).where(Call.search_text.contains("見守"))
    )
    assert hits >= 1


def test_demo_past_calls_were_decided_long_ago(loaded):
    past = db.session.scalars(select(Call).where(Call.opens_at <= utcnow() - RECENT)).all()
    assert len(past) >= 3 and {c.language for c in past} == {"ja", "en"}
    for call in past:
        assert call.status is C.DECIDED and call.decided_at < loaded - timedelta(days=200)
        assert aware(call.need.published_at) < call.created_at < call.opens_at
        assert call.closed_at == call.closes_at < call.decided_at
        statuses = [p.status for p in proposals_of(call)]
        assert statuses.count(P.SELECTED) == 1 and set(statuses) <= {P.SELECTED, P.NOT_SELECTED}


def test_demo_call_phases_went_through_the_workflow(loaded):
    specs = demo_data()["calls"]
    proposals = [p for c in specs for p in c["proposals"]]
    actions = db.session.execute(select(AuditEvent.action, AuditEvent.details)).all()
    names = [a for a, _d in actions]
    assert names.count("call_create") == names.count("call_publish") == len(specs) >= 6
    assert names.count("call_open") == len(specs)
    closes = [d for a, d in actions if a == "call_close"]
    assert len(closes) == len(specs) - 1 and all(d.get("job") for d in closes)  # by the job
    assert names.count("call_announce") == len(specs) - 2
    assert names.count("proposal_create") == len(proposals)
    assert names.count("proposal_submit") == sum(p.get("submit_day") is not None for p in proposals)


def test_demo_questions_are_public_and_answered_in_both_languages(loaded):
    for call in calls_by_status().values():
        questions = db.session.scalars(
            select(CallQuestion).where(CallQuestion.call_id == call.id)
        ).all()
        assert len(questions) >= 2
        for q in questions:
            assert q.status is QuestionStatus.ANSWERED and q.answer
            assert call.opens_at <= q.created_at < q.answered_at < utcnow()
            assert q.asked_by.role is Role.PROVIDER
    bodies = " ".join(db.session.scalars(select(CallQuestion.body)))
    assert "Can a proposal" in bodies and "ですか" in bodies


def test_demo_proposals_respect_the_deadlines_and_decisions(loaded):
    calls = calls_by_status()
    evaluating = proposals_of(calls[C.UNDER_EVALUATION])
    assert len(evaluating) >= 2 and all(p.status is P.SUBMITTED for p in evaluating)
    assert len({p.organization_id for p in evaluating}) == len(evaluating)
    decided = {p.status: p for p in proposals_of(calls[C.DECIDED])}
    assert set(decided) == {P.SELECTED, P.NOT_SELECTED}
    assert decided[P.NOT_SELECTED].decision_reason
    drafts = proposals_of(calls[C.OPEN])
    assert [p.status for p in drafts] == [P.DRAFT] and drafts[0].submitted_at is None
    for proposal in db.session.scalars(select(Proposal)):
        call = proposal.call
        assert proposal.organization.kind is not OrgKind.DEPARTMENT
        assert call.opens_at <= proposal.created_at < call.closes_at
        if proposal.submitted_at:
            assert proposal.created_at <= proposal.submitted_at < call.closes_at
            assert proposal.budget_amount <= call.budget_max
        if proposal.decided_at:
            assert call.closed_at < proposal.decided_at <= call.decided_at
    titles = [p.title for p in db.session.scalars(select(Proposal))]
    assert any(t.isascii() for t in titles) and not all(t.isascii() for t in titles)


def test_demo_reviewer_is_assigned_and_has_scored_some_proposals(loaded):
    calls = calls_by_status()
    reviewer = user("reviewer")
    assignments = {
        a.call.status: a
        for a in db.session.scalars(
            select(ReviewerAssignment).where(ReviewerAssignment.reviewer_id == reviewer.id)
        )
        if a.call in calls.values()
    }
    assert set(assignments) == {C.UNDER_EVALUATION, C.DECIDED}
    assert assignments[C.DECIDED].status is AssignmentStatus.COMPLETED
    assert assignments[C.UNDER_EVALUATION].status is AssignmentStatus.ASSIGNED
    scored = set(db.session.scalars(select(Score.proposal_id)))
    evaluating = {p.id for p in proposals_of(calls[C.UNDER_EVALUATION])}
    assert 0 < len(scored & evaluating) < len(evaluating)  # some scores, work left to do
    assert {p.id for p in proposals_of(calls[C.DECIDED])} <= scored
    for score in db.session.scalars(select(Score)):
        assert 1 <= score.value <= 5 and score.comment
        assert score.criterion.call_id == score.proposal.call_id
        assert score.proposal.call.closed_at <= score.created_at


def test_demo_pair_reviews_show_every_decision(loaded):
    pairs = db.session.scalars(select(PairReview)).all()
    assert {p.status for p in pairs} == {
        PairStatus.SHORTLISTED,
        PairStatus.INVITED,
        PairStatus.DISMISSED,
    }
    assert len({p.need_id for p in pairs}) == 1
    assert all(p.reason for p in pairs if p.status is PairStatus.DISMISSED)
    assert count(PairNote) == 1


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_users_have_notifications_follows_and_outbox_messages(loaded):
    for prefix in ("mimamori", "kinetic", "bayside", "reviewer", "somu.staff", "fukushi.staff"):
        assert db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user(prefix).id)
        ), prefix
    kinds = set(db.session.scalars(select(Notification.kind)))
    expected = "call_opened call_closed pair_invited proposal_outcome reviewer_assigned"
    assert set(expected.split()) | {"call_question_answered", "proposal_submitted"} <= kinds
    assert count(OutboxMessage) == count(Notification)  # every demo user reads in real time
    assert count(Follow) >= 2
    for notification in db.session.scalars(select(Notification)):
        assert notification.created_at < utcnow()
    outcomes = db.session.scalars(
        select(Notification).where(Notification.kind == "proposal_outcome")
    ).all()
    assert {n.params["outcome"] for n in outcomes} == {"selected", "not_selected"}
    outcome = next(n for n in outcomes if n.params["outcome"] == "not_selected")
    assert outcome.params["reason"]


def test_demo_open_call_has_a_pdf_document(loaded):
    document = db.session.scalar(select(CallDocument))
    assert db.session.get(Call, document.call_id).status is C.OPEN
    data = (upload_dir() / document.attachment.storage_name).read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_loading_twice_keeps_one_copy_of_the_selection_data(loaded):
    before = {m: count(m) for m in (Call, Proposal, Score, Notification, OutboxMessage, PairReview)}
    assert load_demo_data() is None
    assert {m: count(m) for m in before} == before


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_demo_calls_render_in_both_languages(client, loaded, lang):
    calls = calls_by_status()
    page = client.get(f"/calls?lang={lang}").get_data(as_text=True)
    assert all(c.title in page for c in calls.values())
    open_call = calls[C.OPEN]
    response = client.get(f"/calls/{open_call.id}?lang={lang}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Personal data must be stored in Japan" in page
    assert open_call.criteria[0].name in page


def test_demo_reviewer_and_department_see_the_evaluation(client, loaded, login_as):
    calls = calls_by_status()
    login_as(user=user("reviewer"))
    page = client.get("/reviews?lang=en").get_data(as_text=True)
    assert calls[C.UNDER_EVALUATION].title in page
    login_as(user=user("somu.staff"))
    response = client.get(f"/calls/{calls[C.DECIDED].id}/evaluation?lang=en")
    assert response.status_code == 200
    assert all(p.title in response.get_data(as_text=True) for p in proposals_of(calls[C.DECIDED]))
