"""PROPOSAL_WORKFLOW: every action from every status, for applicants and managers."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.proposals import services
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_user
from tests.proposals.helpers import make_proposal

ACTIONS = ("submit", "withdraw", "reopen", "select", "waitlist", "not_select")
EXPECTED = {  # (action, from) -> to: the whole table, written out
    ("submit", "draft"): "submitted",
    ("withdraw", "submitted"): "withdrawn",
    ("reopen", "withdrawn"): "draft",
    ("select", "submitted"): "selected",
    ("waitlist", "submitted"): "waitlisted",
    ("not_select", "submitted"): "not_selected",
    ("select", "waitlisted"): "selected",
    ("not_select", "waitlisted"): "not_selected",
}
CASES = [(a, s.value) for a in ACTIONS for s in ProposalStatus]


def test_table_is_exactly_the_documented_one():
    table = {
        (t.action, t.source.value): t.target.value for t in services.PROPOSAL_WORKFLOW.transitions
    }
    assert table == EXPECTED
    for t in services.PROPOSAL_WORKFLOW.transitions:
        expected = {"owner"} if t.action in services.APPLICANT_ACTIONS else {"staff", "department"}
        assert set(t.roles) == expected


def actor_for(kind, owner, call):
    if kind == "owner":
        return owner
    if kind == "department":
        return make_user(Role.DEPARTMENT, org=call.organization)
    return make_user(Role.COORDINATOR)


def run(call, owner, status, action, kind):
    proposal = make_proposal(call, owner, status)
    if action in services.DECISION_ACTIONS:
        call.status = CallStatus.UNDER_EVALUATION
        db.session.flush()
    actor = actor_for(kind, owner, call)
    version = proposal.version
    try:
        services.transition(proposal, action, actor, version, reason="Reason given.")
    except (IllegalTransition, NotAllowed) as exc:
        db.session.expire_all()
        fresh = db.session.get(Proposal, proposal.id)
        assert fresh.status.value == status and fresh.version == version
        return type(exc)
    return db.session.get(Proposal, proposal.id).status.value


@pytest.mark.parametrize("action,status", CASES)
def test_applicant_actions(call, owner, action, status):
    result = run(call, owner, status, action, "owner")
    expected = EXPECTED.get((action, status))
    if action in services.DECISION_ACTIONS:
        assert result is NotAllowed  # applicants never decide
    elif expected:
        assert result == expected
    else:
        assert result is IllegalTransition


@pytest.mark.parametrize("kind", ["coordinator", "department"])
@pytest.mark.parametrize("action,status", CASES)
def test_manager_actions(call, owner, action, status, kind):
    result = run(call, owner, status, action, kind)
    expected = EXPECTED.get((action, status))
    if action in services.APPLICANT_ACTIONS:
        assert result is NotAllowed  # managers never submit for an applicant
    elif expected:
        assert result == expected
    else:
        assert result is IllegalTransition


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.PROVIDER, Role.DEPARTMENT, Role.ADMIN])
def test_outsiders_may_not_decide_or_submit(call, owner, role):
    """Another provider, another department, a reviewer; admin is staff and may decide."""
    proposal = make_proposal(call, owner, "submitted")
    call.status = CallStatus.UNDER_EVALUATION
    db.session.flush()
    outsider = make_user(role)
    if role is Role.ADMIN:
        services.transition(proposal, "waitlist", outsider)
        assert proposal.status is ProposalStatus.WAITLISTED
        return
    for action in ("select", "withdraw"):
        with pytest.raises(NotAllowed):
            services.transition(proposal, action, outsider)
    assert proposal.status is ProposalStatus.SUBMITTED


def test_decision_records_who_when_and_why(call, owner):
    proposal = make_proposal(call, owner, "submitted")
    call.status = CallStatus.UNDER_EVALUATION
    coordinator = make_user(Role.COORDINATOR)
    services.transition(proposal, "not_select", coordinator, reason="  Out of scope.  ")
    assert proposal.status is ProposalStatus.NOT_SELECTED
    assert proposal.decision_reason == "Out of scope."
    assert proposal.decided_by_id == coordinator.id and proposal.decided_at is not None


def test_not_selected_needs_a_reason(call, owner):
    proposal = make_proposal(call, owner, "submitted")
    call.status = CallStatus.UNDER_EVALUATION
    with pytest.raises(services.DomainError, match="reason"):
        services.transition(proposal, "not_select", make_user(Role.COORDINATOR), reason=" ")
    assert proposal.status is ProposalStatus.SUBMITTED


@pytest.mark.parametrize("call_status", [CallStatus.OPEN, CallStatus.DECIDED])
def test_decisions_only_while_under_evaluation(call, owner, call_status):
    proposal = make_proposal(call, owner, "submitted")
    call.status = call_status
    with pytest.raises(IllegalTransition):
        services.transition(proposal, "select", make_user(Role.COORDINATOR))
    assert proposal.status is ProposalStatus.SUBMITTED


def test_stale_version_is_refused(call, owner):
    from matchmaker.common.errors import Conflict

    proposal = make_proposal(call, owner)
    with pytest.raises(Conflict):
        services.transition(proposal, "submit", owner, proposal.version - 1)
    assert proposal.status is ProposalStatus.DRAFT
