"""The pair transition table and the decision service: history, audit, learner labels."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.audit.models import AuditEvent
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.matching.models import MatchDecision
from matchmaker.needs.models import NeedStatus
from matchmaker.review import services
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent, PairStatus
from matchmaker.review.services import PAIR_WORKFLOW, PairChoice
from tests.factories import make_need, make_seed, make_user

S = PairStatus
ALLOWED = {
    ("shortlist", S.NEW): S.SHORTLISTED,
    ("dismiss", S.NEW): S.DISMISSED,
    ("dismiss", S.SHORTLISTED): S.DISMISSED,
    ("invite", S.NEW): S.INVITED,
    ("invite", S.SHORTLISTED): S.INVITED,
    ("reopen", S.SHORTLISTED): S.NEW,
    ("reopen", S.DISMISSED): S.NEW,
    ("reopen", S.INVITED): S.NEW,
}
CASES = [(a, s) for a in services.ACTIONS for s in PairStatus]


@pytest.mark.parametrize(("action", "source"), CASES)
def test_the_transition_table(action, source):
    expected = ALLOWED.get((action, source))
    if expected is None:
        assert PAIR_WORKFLOW.find(action, source) is None
        with pytest.raises(IllegalTransition):
            services.check_transition(action, source)
    else:
        transition = services.check_transition(action, source)
        assert transition.target is expected
        assert transition.roles == {"coordinator", "admin"}


def pair_in(status: S, need, seed, user) -> PairReview:
    """Drive a pair into `status` through the service itself."""
    path = {
        S.NEW: [],
        S.SHORTLISTED: ["shortlist"],
        S.DISMISSED: ["dismiss"],
        S.INVITED: ["invite"],
    }[status]
    for action in path:
        services.decide(user, need, action, [PairChoice(seed.id, 0)], "because")
    return db.session.scalar(select(PairReview).where(PairReview.seed_id == seed.id))


@pytest.mark.parametrize(("action", "source"), CASES)
def test_every_transition_through_the_service(action, source):
    user = make_user(Role.COORDINATOR)
    need, seed = make_need(), make_seed()
    pair = pair_in(source, need, seed, user)
    version = pair.version if pair else 0
    expected = ALLOWED.get((action, source))
    choice = [PairChoice(seed.id, version)]
    if expected is None:
        with pytest.raises(IllegalTransition):
            services.decide(user, need, action, choice, "why")
        return
    [pair] = services.decide(user, need, action, choice, "why", ranked={seed.id: (0.9, {"x": 1})})
    assert pair.status is expected
    event = db.session.scalars(
        select(PairReviewEvent)
        .where(PairReviewEvent.pair_review_id == pair.id)
        .order_by(PairReviewEvent.id.desc())
    ).first()
    assert (event.action, event.from_status, event.to_status) == (action, source, expected)
    assert event.actor_id == user.id and event.reason == "why"
    label = db.session.scalar(select(MatchDecision).where(MatchDecision.seed_id == seed.id))
    if expected is S.NEW:
        assert label is None
    else:
        assert label.accepted is (expected is not S.DISMISSED)
        assert label.signals == {"x": 1} and label.decided_by_id == user.id
        assert pair.score == 0.9


def test_decisions_are_audited():
    user = make_user(Role.ADMIN)
    need, seed = make_need(), make_seed()
    services.decide(user, need, "dismiss", [PairChoice(seed.id, 0)], "out of scope")
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pair.dismiss"))
    assert audit.actor_id == user.id
    assert audit.details["to_status"] == "dismissed"
    assert audit.details["reason"] == "out of scope"


def test_dismissal_needs_a_reason():
    user = make_user(Role.COORDINATOR)
    need, seed = make_need(), make_seed()
    with pytest.raises(DomainError, match="reason"):
        services.decide(user, need, "dismiss", [PairChoice(seed.id, 0)], "   ")
    assert db.session.scalar(select(PairReview)) is None


def test_a_stale_version_is_refused():
    user = make_user(Role.COORDINATOR)
    need, seed = make_need(), make_seed()
    services.decide(user, need, "shortlist", [PairChoice(seed.id, 0)])
    with pytest.raises(Conflict, match="changed by someone else"):
        services.decide(user, need, "dismiss", [PairChoice(seed.id, 0)], "late")
    pair = db.session.scalar(select(PairReview))
    assert pair.status is S.SHORTLISTED


def test_a_note_does_not_make_the_page_stale():
    user = make_user(Role.COORDINATOR)
    need, seed = make_need(), make_seed()
    services.add_note(user, need, seed.id, "call them first")
    [pair] = services.decide(user, need, "shortlist", [PairChoice(seed.id, 0)])
    assert pair.status is S.SHORTLISTED
    assert db.session.scalar(select(PairNote)).pair_review_id == pair.id


def test_bulk_is_all_or_nothing():
    user = make_user(Role.COORDINATOR)
    need = make_need()
    a, b, c = make_seed(title="Alpha"), make_seed(title="Bravo"), make_seed(title="Charlie")
    services.decide(user, need, "dismiss", [PairChoice(b.id, 0)], "no")
    version_b = db.session.scalar(select(PairReview.version).where(PairReview.seed_id == b.id))
    choices = [PairChoice(a.id, 0), PairChoice(b.id, version_b), PairChoice(c.id, 0)]
    with pytest.raises(DomainError, match="Bravo") as refused:
        services.decide(user, need, "shortlist", choices)
    assert "Nothing was changed" in refused.value.message
    statuses = dict(db.session.execute(select(PairReview.seed_id, PairReview.status)).all())
    assert statuses == {b.id: S.DISMISSED}
    assert db.session.scalar(select(MatchDecision).where(MatchDecision.seed_id == a.id)) is None


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.PROVIDER, Role.REVIEWER])
def test_only_staff_decide(role):
    need, seed = make_need(), make_seed()
    with pytest.raises(NotAllowed):
        services.decide(make_user(role), need, "shortlist", [PairChoice(seed.id, 0)])
    with pytest.raises(NotAllowed):
        services.add_note(make_user(role), need, seed.id, "hi")


def test_only_published_needs_and_seeds():
    user = make_user(Role.COORDINATOR)
    draft_need = make_need(status=NeedStatus.IN_REVIEW)
    with pytest.raises(IllegalTransition):
        services.decide(user, draft_need, "shortlist", [PairChoice(make_seed().id, 0)])
    from matchmaker.seeds.models import SeedStatus

    draft_seed = make_seed(status=SeedStatus.DRAFT)
    with pytest.raises(DomainError, match="cannot be reviewed"):
        services.decide(user, make_need(), "shortlist", [PairChoice(draft_seed.id, 0)])
