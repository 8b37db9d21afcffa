"""Proposal workflow and writes; views call these with plain data, never `request`.

Decisions written down here: a withdrawn proposal may be reopened as a draft while the call
is open; edits keep a submitted proposal submitted; decisions need the call to be under
evaluation and a reason for "not selected"; a notice goes out once per submission.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from matchmaker.audit.services import record
from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.timezone import format_tokyo
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.proposals.access import (  # noqa: F401  (the contract other packages import)
    DEPARTMENT,
    EDITABLE_STATUSES,
    MANAGER_STATUSES,
    OWNER,
    STAFF,
    actor_kinds,
    can_download,
    can_edit_proposal,
    can_propose,
    can_view_proposal,
    get_proposal_or_404,
    organization_proposal,
    proposals_for_call,
)
from matchmaker.proposals.fields import ProposalData, validate
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.proposals.notices import notify_submitted
from matchmaker.seeds.models import Seed

P = ProposalStatus
MANAGERS = frozenset({STAFF, DEPARTMENT})
APPLICANT = frozenset({OWNER})

ACTION_LABELS = {
    "submit": _l("Submit"),
    "withdraw": _l("Withdraw"),
    "reopen": _l("Reopen as draft"),
    "select": _l("Select"),
    "waitlist": _l("Waitlist"),
    "not_select": _l("Do not select"),
}

PROPOSAL_WORKFLOW = Workflow(
    [
        Transition("submit", P.DRAFT, P.SUBMITTED, APPLICANT),
        Transition("withdraw", P.SUBMITTED, P.WITHDRAWN, APPLICANT),
        Transition("reopen", P.WITHDRAWN, P.DRAFT, APPLICANT),
        Transition("select", P.SUBMITTED, P.SELECTED, MANAGERS),
        Transition("waitlist", P.SUBMITTED, P.WAITLISTED, MANAGERS),
        Transition("not_select", P.SUBMITTED, P.NOT_SELECTED, MANAGERS),
        Transition("select", P.WAITLISTED, P.SELECTED, MANAGERS),
        Transition("not_select", P.WAITLISTED, P.NOT_SELECTED, MANAGERS),
    ],
    ACTION_LABELS,
)
APPLICANT_ACTIONS = ("submit", "withdraw", "reopen")
DECISION_ACTIONS = ("select", "waitlist", "not_select")


class DeadlinePassed(IllegalTransition):
    """The call does not accept proposals at this moment; nothing was changed."""


def check_accepting(call: Call, now: datetime | None = None) -> None:
    """Refuse unless the call is open and the clock is before closes_at (checked per write)."""
    from matchmaker.calls.services import is_accepting_proposals

    now = now or utcnow()
    if is_accepting_proposals(call, now):
        return
    if now >= call.closes_at:
        raise DeadlinePassed(
            _(
                "The call closed at %(time)s: proposals can no longer be submitted, changed "
                "or withdrawn.",
                time=format_tokyo(call.closes_at),
            )
        )
    raise DeadlinePassed(_("This call is not open for proposals."))


def allowed_actions(user, proposal: Proposal, now: datetime | None = None) -> list[Transition]:
    """The applicant's buttons the page shows now (decisions live on the evaluation pages)."""
    from matchmaker.calls.services import is_accepting_proposals

    if OWNER not in actor_kinds(user, proposal) or not is_accepting_proposals(proposal.call, now):
        return []
    return [
        t for t in PROPOSAL_WORKFLOW.actions_from(proposal.status) if t.action in APPLICANT_ACTIONS
    ]


def missing_for_submission(proposal: Proposal) -> list[str]:
    """Labels of the fields a proposal needs before it can be (or stay) submitted."""
    required = {
        _("Approach"): proposal.approach,
        _("Pilot plan"): proposal.pilot_plan,
        _("Schedule"): proposal.schedule,
        _("Budget"): proposal.budget_amount is not None,
        _("Team"): proposal.team,
    }
    return [label for label, value in required.items() if not value]


def _check_complete(proposal: Proposal) -> None:
    missing = missing_for_submission(proposal)
    if missing:
        raise DomainError(
            _("Complete these fields before submitting: %(fields)s.", fields=", ".join(missing))
        )
    call = proposal.call
    if (
        call.budget_max is not None
        and proposal.budget_currency == call.budget_currency
        and proposal.budget_amount > call.budget_max
    ):
        raise DomainError(
            _(
                "The budget is above the call's maximum of %(amount)s %(currency)s.",
                amount=f"{call.budget_max:,}",
                currency=call.budget_currency,
            )
        )


def _check_seed(seed_id: int | None, organization_id: int) -> None:
    if seed_id is None:
        return
    seed = db.session.get(Seed, seed_id)
    if seed is None or seed.organization_id != organization_id:
        raise DomainError(_("Choose one of your organization's seeds."))


def _check_version(proposal: Proposal, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != proposal.version:
        raise Conflict(
            _(
                "This proposal was changed by someone else after you opened it. Reload the "
                "page and apply your changes again."
            )
        )


def _flush() -> None:
    flush_or_conflict(
        _("Someone else changed this proposal at the same time. Reload the page and try again.")
    )


def _apply(proposal: Proposal, data: ProposalData) -> None:
    """Copy the declared fields only."""
    proposal.title = data.title.strip()
    proposal.approach = data.approach or ""
    proposal.pilot_plan = data.pilot_plan or ""
    proposal.schedule = data.schedule or ""
    proposal.budget_amount = data.budget_amount
    proposal.budget_currency = data.budget_currency
    proposal.team = data.team or ""
    proposal.links = list(data.links)
    proposal.seed_id = data.seed_id


def start_proposal(
    call: Call, actor, data: ProposalData, now: datetime | None = None
) -> tuple[Proposal, bool]:
    """Create the organization's draft for this call, or return the one it already has
    (a double click or a retried POST never makes two). Returns (proposal, created)."""
    if not can_propose(actor):
        raise NotAllowed(_("Only solution providers can write proposals."))
    existing = organization_proposal(call.id, actor.organization_id)
    if existing is not None:
        return existing, False
    check_accepting(call, now)
    validate(data)
    _check_seed(data.seed_id, actor.organization_id)
    proposal = Proposal(
        call_id=call.id, organization_id=actor.organization_id, created_by_id=actor.id
    )
    _apply(proposal, data)
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
            db.session.flush()
    except IntegrityError:  # another request created it between our check and insert
        existing = organization_proposal(call.id, actor.organization_id)
        if existing is None:
            raise
        return existing, False
    record("proposal_create", actor=actor, obj=proposal, from_status=None, to_status=P.DRAFT)
    return proposal, True


def update_proposal(
    proposal: Proposal,
    actor,
    data: ProposalData,
    expected_version: int | None,
    now: datetime | None = None,
) -> Proposal:
    """Edit a draft or a submitted proposal before the deadline; a submitted one stays so."""
    if OWNER not in actor_kinds(actor, proposal):
        raise NotAllowed(_("Only your organization's members can edit this proposal."))
    if proposal.status not in EDITABLE_STATUSES:
        raise IllegalTransition(_("This proposal can no longer be edited."))
    check_accepting(proposal.call, now)
    _check_version(proposal, expected_version)
    validate(data)
    _check_seed(data.seed_id, proposal.organization_id)
    _apply(proposal, data)
    if proposal.status is P.SUBMITTED:
        _check_complete(proposal)
    _flush()
    record(
        "proposal_update",
        actor=actor,
        obj=proposal,
        from_status=proposal.status,
        to_status=proposal.status,
    )
    return proposal


def transition(
    proposal: Proposal,
    action: str,
    actor,
    expected_version: int | None = None,
    now: datetime | None = None,
    reason: str = "",
) -> Proposal:
    """Move a proposal along PROPOSAL_WORKFLOW: who first, then state, then the clock."""
    now = now or utcnow()
    kinds = actor_kinds(actor, proposal)
    if not any(t.roles & kinds for t in PROPOSAL_WORKFLOW.transitions if t.action == action):
        raise NotAllowed(_("You may not do this to this proposal."))
    _check_version(proposal, expected_version)
    step = PROPOSAL_WORKFLOW.check(action, proposal.status)
    if not step.roles & kinds:
        raise NotAllowed(_("You may not do this to this proposal."))
    if action in APPLICANT_ACTIONS:
        check_accepting(proposal.call, now)
    if action == "submit":
        _check_complete(proposal)
    if action in DECISION_ACTIONS:
        _check_decision(proposal, step.target, reason)
        proposal.decision_reason = (reason or "").strip()
        proposal.decided_by_id = actor.id
        proposal.decided_at = now
    source = proposal.status
    proposal.status = step.target
    if action == "submit":
        proposal.submitted_at = now
    elif action == "withdraw":
        proposal.withdrawn_at = now
    _flush()
    record(
        f"proposal_{action}",
        actor=actor,
        obj=proposal,
        from_status=source,
        to_status=step.target,
        acting_as=sorted(kinds & step.roles)[0],
    )
    if action == "submit":
        notify_submitted(proposal)
    return proposal


def _check_decision(proposal: Proposal, target: ProposalStatus, reason: str) -> None:
    if proposal.call.status is not CallStatus.UNDER_EVALUATION:
        raise IllegalTransition(_("Decisions are recorded while the call is under evaluation."))
    if target is P.NOT_SELECTED and not (reason or "").strip():
        raise DomainError(_("Give the reason the applicant will read."))
    if len(reason or "") > 5000:
        raise DomainError(_("The reason may have at most 5000 characters."))
