"""Who may write, see and download which proposal; loaders that 404 instead of leaking."""

from __future__ import annotations

from datetime import datetime

from flask import abort
from sqlalchemy import select

from matchmaker.accounts.models import PROVIDER_ORG_KINDS, Role
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.calls.models import Call
from matchmaker.extensions import db
from matchmaker.proposals.models import DECISION_STATUSES, Proposal, ProposalStatus

# Actor kinds named in the transition table (relations to the proposal, not only roles).
OWNER = "owner"  # an active solution provider of the proposing organization
STAFF = "staff"  # coordinators and admins
DEPARTMENT = "department"  # a member of the department that owns the call

EDITABLE_STATUSES = (ProposalStatus.DRAFT, ProposalStatus.SUBMITTED)
# Drafts and withdrawn proposals belong to the applicant alone.
MANAGER_STATUSES = (ProposalStatus.SUBMITTED, *DECISION_STATUSES)


def can_propose(user) -> bool:
    """Active solution providers of a non-department organization may write proposals."""
    if not is_signed_in(user) or user.role is not Role.PROVIDER or not user.is_approved:
        return False
    org = user.organization
    return org is not None and org.kind in PROVIDER_ORG_KINDS


def is_call_manager(user, call: Call) -> bool:
    """Staff, or the department that owns the call (approved accounts only)."""
    from matchmaker.calls.services import can_manage_call

    return is_signed_in(user) and user.is_approved and can_manage_call(user, call)


def actor_kinds(user, proposal: Proposal) -> set[str]:
    """How the user relates to this proposal, in the vocabulary of PROPOSAL_WORKFLOW."""
    if not is_signed_in(user) or not user.is_approved:
        return set()
    kinds = set()
    if can_propose(user) and user.belongs_to(proposal.organization_id):
        kinds.add(OWNER)
    if user.is_staff:
        kinds.add(STAFF)
    if user.role is Role.DEPARTMENT and user.belongs_to(proposal.call.organization_id):
        kinds.add(DEPARTMENT)
    return kinds


def is_member(user, proposal: Proposal) -> bool:
    return is_signed_in(user) and user.belongs_to(proposal.organization_id)


def can_view_proposal(user, proposal: Proposal) -> bool:
    """The proposing organization always; the call's managers once it is submitted."""
    if is_member(user, proposal):
        return True
    return proposal.status in MANAGER_STATUSES and is_call_manager(user, proposal.call)


def is_editable(proposal: Proposal, now: datetime | None = None) -> bool:
    from matchmaker.calls.services import is_accepting_proposals

    return proposal.status in EDITABLE_STATUSES and is_accepting_proposals(proposal.call, now)


def can_edit_proposal(user, proposal: Proposal, now: datetime | None = None) -> bool:
    """Members of the proposing organization, while it is a draft or submitted and the call
    still accepts proposals."""
    return OWNER in actor_kinds(user, proposal) and is_editable(proposal, now)


def can_download(user, proposal: Proposal) -> bool:
    """Those who see the proposal, and reviewers the evaluation allows to review it."""
    if can_view_proposal(user, proposal):
        return True
    if not is_signed_in(user) or user.role is not Role.REVIEWER:
        return False
    if proposal.status not in MANAGER_STATUSES:  # drafts are never reviewed
        return False
    try:
        from matchmaker.evaluation.services import can_review
    except ImportError:  # the evaluation package is not there yet
        return False
    return bool(can_review(user, proposal))


def get_proposal_or_404(proposal_id: int) -> Proposal:
    """Load by id or 404; callers then check their own permission (can_view_proposal,
    can_review...)."""
    proposal = db.session.get(Proposal, proposal_id) if 0 < proposal_id <= 2**31 - 1 else None
    if proposal is None:
        abort(404)
    return proposal


def load_visible_proposal(proposal_id: int, user) -> Proposal:
    """404 for unknown ids and for proposals the user may not see, so existence never leaks."""
    proposal = get_proposal_or_404(proposal_id)
    if not can_view_proposal(user, proposal):
        abort(404)
    return proposal


def organization_proposal(call_id: int, organization_id: int) -> Proposal | None:
    return db.session.scalar(
        select(Proposal).where(
            Proposal.call_id == call_id, Proposal.organization_id == organization_id
        )
    )


def proposals_for_call(call: Call, statuses=MANAGER_STATUSES) -> list[Proposal]:
    """A call's proposals in the given statuses, oldest submission first."""
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status.in_(list(statuses)))
            .order_by(Proposal.submitted_at, Proposal.id)
        )
    )


def organization_proposals(organization_id: int) -> list[Proposal]:
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.organization_id == organization_id)
            .order_by(Proposal.updated_at.desc(), Proposal.id.desc())
        )
    )


def status_shown_to(user, proposal: Proposal) -> ProposalStatus:
    """Applicants learn a decision when the call's results are announced, not before."""
    from matchmaker.calls.models import CallStatus

    if (
        proposal.status in DECISION_STATUSES
        and proposal.call.status is not CallStatus.DECIDED
        and not is_call_manager(user, proposal.call)
    ):
        return ProposalStatus.SUBMITTED
    return proposal.status
