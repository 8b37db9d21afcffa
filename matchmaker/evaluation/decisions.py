"""Decisions per proposal and the announcement that tells every applicant the outcome."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from matchmaker.accounts.models import User
from matchmaker.accounts.organizations import active_members
from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.evaluation import notices  # noqa: F401  (registers the notice kinds)
from matchmaker.extensions import db
from matchmaker.proposals.models import DECISION_STATUSES, Proposal, ProposalStatus

P = ProposalStatus
DECISION_LABELS = {
    P.SELECTED: _l("Selected"),
    P.WAITLISTED: _l("Waitlisted"),
    P.NOT_SELECTED: _l("Not selected"),
}


def can_decide(user, call: Call) -> bool:
    """Staff and the call's department, approved accounts only."""
    from matchmaker.calls.services import can_manage_call

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_approved
        and can_manage_call(user, call)
    )


def decision_action(proposal: Proposal, decision: ProposalStatus) -> str:
    """The PROPOSAL_WORKFLOW action that moves the proposal to `decision` from where it is."""
    from matchmaker.proposals.services import PROPOSAL_WORKFLOW

    for step in PROPOSAL_WORKFLOW.actions_from(proposal.status):
        if step.target is decision:
            return step.action
    raise IllegalTransition(
        _(
            "This proposal cannot become “%(decision)s” from its current decision.",
            decision=DECISION_LABELS.get(decision, decision),
        )
    )


def decision_choices(proposal: Proposal) -> list[ProposalStatus]:
    """The decisions still open for this proposal (the table allows waitlisted -> final)."""
    from matchmaker.proposals.services import PROPOSAL_WORKFLOW

    targets = {t.target for t in PROPOSAL_WORKFLOW.actions_from(proposal.status)}
    return [d for d in DECISION_STATUSES if d in targets]


def decide(
    proposal: Proposal,
    decision: ProposalStatus,
    reason: str,
    actor: User,
    expected_version: int | None,
    now: datetime | None = None,
) -> Proposal:
    """Record one decision; a stale version (someone decided first) is a Conflict."""
    from matchmaker.proposals.services import transition

    if not can_decide(actor, proposal.call):
        raise NotAllowed(_("Only coordinators and the call's department record decisions."))
    if decision not in DECISION_STATUSES:
        raise DomainError(_("Choose selected, waitlisted or not selected."))
    if expected_version is not None and expected_version != proposal.version:
        raise Conflict(stale_message())
    try:
        return transition(
            proposal,
            decision_action(proposal, decision),
            actor,
            expected_version=expected_version,
            now=now,
            reason=reason,
        )
    except Conflict as exc:
        raise Conflict(stale_message()) from exc


def stale_message() -> str:
    return _(
        "Someone else recorded a decision on this proposal while you were deciding. "
        "Reload the page to see it before you decide again."
    )


def undecided(call: Call) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status == P.SUBMITTED)
            .order_by(Proposal.id)
        )
    )


def announce(call: Call, actor: User, now: datetime | None = None) -> int:
    """Close the evaluation and tell each applicant; returns how many proposals were told."""
    from matchmaker.calls.services import perform_call_action

    if not can_decide(actor, call):
        raise NotAllowed(_("Only coordinators and the call's department announce results."))
    if call.status is not CallStatus.UNDER_EVALUATION:
        raise IllegalTransition(_("Results can be announced only while under evaluation."))
    waiting = undecided(call)
    if waiting:
        raise IllegalTransition(
            _(
                "Record a decision on every proposal before announcing (%(n)d without one).",
                n=len(waiting),
            )
        )
    perform_call_action(call, "announce", actor, now)
    decided = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status.in_(DECISION_STATUSES))
            .order_by(Proposal.id)
        )
    )
    for proposal in decided:
        notify_outcome(proposal)
    return len(decided)


def notify_outcome(proposal: Proposal) -> None:
    """One notice per applicant member; a not-selected applicant reads the reason."""
    from matchmaker.notifications.services import notify

    members = active_members(proposal.organization_id)
    params = {
        "proposal_id": proposal.id,
        "title": proposal.title,
        "call_id": proposal.call_id,
        "call_title": proposal.call.title,
        "outcome": proposal.status.value,
    }
    if proposal.status is P.NOT_SELECTED:
        params["reason"] = proposal.decision_reason
    notify(
        members,
        "proposal_outcome",
        params,
        f"/proposals/{proposal.id}",  # relative: also right when rendered in an e-mail job
        f"proposal:{proposal.id}:outcome",
    )
