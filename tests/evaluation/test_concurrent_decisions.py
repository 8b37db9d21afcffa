"""Two coordinators deciding the same proposal at once, each in its own session on a database
file of their own (the rolled-back test session cannot show a concurrent commit)."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role, User
from matchmaker.common.errors import Conflict
from matchmaker.evaluation import decisions
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.conftest import build_app
from tests.evaluation.conftest import make_call, make_proposal
from tests.factories import make_user


@pytest.fixture
def world(tmp_path, monkeypatch):
    """An app on its own SQLite file with a submitted proposal and two coordinators."""
    app = build_app(f"sqlite:///{tmp_path / 'decisions.db'}", tmp_path / "instance")
    monkeypatch.setattr(db, "session", db._make_scoped_session({}))
    with app.app_context():
        proposal = make_proposal(make_call())
        first, second = make_user(Role.COORDINATOR), make_user(Role.COORDINATOR)
        db.session.commit()
        ids = {"proposal": proposal.id, "first": first.id, "second": second.id}
        db.session.remove()
    yield app, ids
    db.session.remove()
    with app.app_context():
        db.engine.dispose()


def decide(ids, who: str, decision: ProposalStatus, reason: str, version: int | None = None):
    proposal = db.session.get(Proposal, ids["proposal"])
    actor = db.session.get(User, ids[who])
    return decisions.decide(
        proposal, decision, reason, actor, proposal.version if version is None else version
    )


def final_state(app, ids) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, ids["proposal"])
        db.session.expunge(proposal)
        db.session.remove()
        return proposal


def test_both_load_version_one_and_only_the_first_commit_wins(world):
    app, ids = world
    with app.app_context():  # request B has loaded the proposal and is about to decide
        b_view = db.session.get(Proposal, ids["proposal"])
        assert b_view.version == 1
        with app.app_context():  # request A decides and commits in the meantime
            decide(ids, "first", ProposalStatus.SELECTED, "")
            db.session.commit()
            db.session.remove()
        with pytest.raises(Conflict):
            decide(ids, "second", ProposalStatus.NOT_SELECTED, "Too costly", version=1)
        db.session.rollback()
    final = final_state(app, ids)
    assert final.status is ProposalStatus.SELECTED and final.decided_by_id == ids["first"]


def test_a_form_with_the_old_version_is_refused_after_the_other_decision(world):
    app, ids = world
    with app.app_context():
        decide(ids, "first", ProposalStatus.WAITLISTED, "")
        db.session.commit()
        db.session.remove()
    with app.app_context():
        with pytest.raises(Conflict):
            decide(ids, "second", ProposalStatus.SELECTED, "", version=1)
        db.session.rollback()
    final = final_state(app, ids)
    assert final.status is ProposalStatus.WAITLISTED and final.decided_by_id == ids["first"]
