"""Proposal test helpers: calls made directly with the model, proposals made by the services."""

from __future__ import annotations

from datetime import timedelta

from matchmaker.accounts.models import Role
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.proposals import services
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_need, make_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

COMPLETE = {
    "title": "見守りセンサーの実証",
    "approach": "Sensors in 50 homes report falls to the ward office.",
    "pilot_plan": "Three months in two districts.",
    "schedule": "April: install. May-June: operate. July: report.",
    "budget_amount": 4_000_000,
    "budget_currency": "JPY",
    "team": "Two engineers and a nurse.",
    "links": ("https://example.org/sensor",),
}


def make_call(department, status=CallStatus.OPEN, opens_at=None, closes_at=None, **fields):
    now = utcnow()
    call = Call(
        need=make_need(org=department),
        organization_id=department.id,
        status=status,
        title=fields.pop("title", "高齢者見守りの公募"),
        opens_at=opens_at or now - timedelta(days=1),
        closes_at=closes_at or now + timedelta(days=7),
        **fields,
    )
    db.session.add(call)
    db.session.flush()
    return call


def data(**overrides) -> services.ProposalData:
    values = dict(COMPLETE)
    values.update(overrides)
    return services.ProposalData(**values)


def make_proposal(call, owner, status=ProposalStatus.DRAFT, now=None, **fields) -> Proposal:
    """A proposal made by the services, then moved to `status` (decisions need a manager)."""
    now = now or utcnow()
    proposal, _ = services.start_proposal(call, owner, data(**fields), now=now)
    status = ProposalStatus(status)
    if status is ProposalStatus.DRAFT:
        return proposal
    services.transition(proposal, "submit", owner, now=now)
    if status is ProposalStatus.WITHDRAWN:
        services.transition(proposal, "withdraw", owner, now=now)
    elif status in (
        ProposalStatus.SELECTED,
        ProposalStatus.WAITLISTED,
        ProposalStatus.NOT_SELECTED,
    ):
        set_decided(proposal, status)
    db.session.flush()
    return proposal


def set_decided(proposal: Proposal, status: ProposalStatus) -> None:
    """Record a decision through the workflow, as a coordinator during evaluation."""
    call = proposal.call
    previous = call.status
    call.status = CallStatus.UNDER_EVALUATION
    db.session.flush()
    actor = make_user(Role.COORDINATOR)
    action = {"selected": "select", "waitlisted": "waitlist", "not_selected": "not_select"}
    services.transition(proposal, action[status.value], actor, reason="Budget too high.")
    call.status = previous
    db.session.flush()


def proposal_form(**overrides) -> dict:
    """A valid create/edit payload; pass a key as None to leave it out."""
    values = {
        "title": "見守りセンサーの実証",
        "approach": "Sensors in 50 homes.",
        "pilot_plan": "Three months in two districts.",
        "schedule": "April to July.",
        "budget_amount": "4000000",
        "budget_currency": "JPY",
        "team": "Two engineers.",
        "links": "https://example.org/a\nhttp://example.org/b",
        "seed_id": "0",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def proposal_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Proposal))
