"""Decisions per proposal (race-safe), announcing results and the applicants' notices."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.calls.models import Call, CallStatus
from matchmaker.evaluation import decisions
from matchmaker.extensions import db
from matchmaker.notifications.kinds import render
from matchmaker.notifications.models import Notification, OutboxMessage
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.evaluation.conftest import make_call, make_proposal
from tests.factories import make_user

P = ProposalStatus


def _decide(client, call, proposal, decision, reason="", version=None):
    prefix = f"p{proposal.id}-"
    return client.post(
        f"/calls/{call.id}/evaluation/proposals/{proposal.id}/decision",
        data={
            prefix + "decision": decision,
            prefix + "reason": reason,
            prefix + "version": str(proposal.version if version is None else version),
        },
    )


def _fresh(proposal) -> Proposal:
    return db.session.get(Proposal, proposal.id)


@pytest.fixture
def manager(login_as, call):
    return login_as(Role.DEPARTMENT, org=call.organization)


def test_record_each_decision(client, call, manager):
    chosen, later, rejected = make_proposal(call), make_proposal(call), make_proposal(call)
    assert _decide(client, call, chosen, "selected").status_code == 302
    assert _decide(client, call, later, "waitlisted").status_code == 302
    response = _decide(client, call, rejected, "not_selected", "Budget above the maximum.")
    assert response.status_code == 302
    assert _fresh(chosen).status is P.SELECTED and _fresh(chosen).decided_by_id == manager.id
    assert _fresh(later).status is P.WAITLISTED
    assert _fresh(rejected).status is P.NOT_SELECTED
    assert _fresh(rejected).decision_reason == "Budget above the maximum."
    later = _fresh(later)
    assert _decide(client, call, later, "selected").status_code == 302  # waitlisted -> selected
    assert _fresh(later).status is P.SELECTED


def test_not_selected_needs_a_reason(client, call, manager):
    proposal = make_proposal(call)
    response = _decide(client, call, proposal, "not_selected", "  ")
    assert response.status_code == 422
    assert "Give the reason the applicant will read." in response.get_data(as_text=True)
    assert _fresh(proposal).status is P.SUBMITTED


def test_a_final_decision_cannot_be_changed(client, call, manager):
    proposal = make_proposal(call)
    _decide(client, call, proposal, "selected")
    response = _decide(client, call, _fresh(proposal), "not_selected", "Changed")
    assert response.status_code == 409
    assert _fresh(proposal).status is P.SELECTED


def test_two_decisions_with_the_same_version_the_second_is_refused(client, call, manager):
    proposal = make_proposal(call)
    version = proposal.version
    first = _decide(client, call, proposal, "waitlisted", version=version)
    assert first.status_code == 302
    second = _decide(client, call, proposal, "selected", version=version)
    assert second.status_code == 409
    assert "Someone else recorded a decision" in second.get_data(as_text=True)
    assert _fresh(proposal).status is P.WAITLISTED  # the first decision stands


def test_a_concurrent_write_at_flush_time_is_a_conflict(client, call, manager, monkeypatch):
    """Another transaction bumps the version between load and flush: StaleDataError -> 409."""
    proposal = make_proposal(call)
    real = decisions.decision_action

    def racing(p, decision):
        db.session.execute(
            text("UPDATE proposals SET version = version + 1 WHERE id = :id"), {"id": p.id}
        )
        return real(p, decision)

    monkeypatch.setattr(decisions, "decision_action", racing)
    response = _decide(client, call, proposal, "selected")
    assert response.status_code == 409
    assert "Someone else recorded a decision" in response.get_data(as_text=True)
    assert _fresh(proposal).status is P.SUBMITTED


@pytest.mark.parametrize("status", [CallStatus.OPEN, CallStatus.DECIDED])
def test_decisions_only_under_evaluation(client, login_as, status):
    call = make_call(status)
    login_as(Role.COORDINATOR)
    proposal = make_proposal(call)
    assert _decide(client, call, proposal, "selected").status_code == 409
    assert _fresh(proposal).status is P.SUBMITTED


def test_decision_on_another_calls_proposal_is_404(client, call, manager):
    other = make_proposal(make_call())
    assert _decide(client, call, other, "selected").status_code == 404
    assert _fresh(other).status is P.SUBMITTED


def test_announce_refused_while_a_proposal_is_undecided(client, call, manager):
    decided, waiting = make_proposal(call), make_proposal(call)
    _decide(client, call, decided, "selected")
    response = client.post(f"/calls/{call.id}/evaluation/announce", data={})
    assert response.status_code == 409
    assert "1 without one" in response.get_data(as_text=True)
    assert db.session.get(Call, call.id).status is CallStatus.UNDER_EVALUATION
    assert db.session.scalars(select(Notification)).all() == []
    assert _fresh(waiting).status is P.SUBMITTED


def test_announce_notifies_each_applicant(client, call, manager):
    chosen = make_proposal(call, title="Chosen one")
    rejected = make_proposal(call, title="Rejected one")
    make_proposal(call, status=P.WITHDRAWN)  # not part of the evaluation
    members = [make_user(Role.PROVIDER, org=chosen.organization) for _ in range(2)]
    rejected_member = make_user(Role.PROVIDER, org=rejected.organization)
    make_user(Role.PROVIDER, org=rejected.organization, status=AccountStatus.SUSPENDED)
    _decide(client, call, chosen, "selected")
    _decide(client, call, rejected, "not_selected", "Outside the pilot area.")
    page = client.get(f"/calls/{call.id}/evaluation").get_data(as_text=True)
    assert "Announce results" in page
    response = client.post(f"/calls/{call.id}/evaluation/announce", data={})
    assert response.status_code == 302
    assert db.session.get(Call, call.id).status is CallStatus.DECIDED
    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "proposal_outcome")
    ).all()
    by_user = {n.user_id: n for n in notes}
    assert set(by_user) == {m.id for m in members} | {rejected_member.id}
    note = by_user[rejected_member.id]
    assert note.dedupe_key == f"proposal:{rejected.id}:outcome"
    assert note.params["outcome"] == "not_selected"
    assert note.params["reason"] == "Outside the pilot area."
    assert note.link == f"/proposals/{rejected.id}"
    assert "reason" not in by_user[members[0].id].params
    assert "Outside the pilot area." in render(note.kind, note.params, "en").body
    assert "was selected" in render("proposal_outcome", by_user[members[0].id].params, "en").body
    outbox = db.session.scalars(select(OutboxMessage)).all()
    assert {m.user_id for m in outbox} >= set(by_user)
    again = client.post(f"/calls/{call.id}/evaluation/announce", data={})
    assert again.status_code == 409
    assert (
        len(
            db.session.scalars(
                select(Notification).where(Notification.kind == "proposal_outcome")
            ).all()
        )
        == 3
    )


def test_applicants_do_not_see_the_decision_until_announced(client, login_as, call):
    proposal = make_proposal(call)
    proposal.status = P.NOT_SELECTED
    proposal.decision_reason = "Too expensive for the pilot."
    db.session.flush()
    login_as(Role.PROVIDER, org=proposal.organization)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Not selected" not in page and "Too expensive for the pilot." not in page
    db.session.get(Call, call.id).status = CallStatus.DECIDED
    db.session.flush()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Not selected" in page and "Too expensive for the pilot." in page
