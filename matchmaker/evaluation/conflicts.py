"""Conflicts of interest a reviewer declares per call; a declared one hides the proposal."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.accounts.models import Organization
from matchmaker.audit.services import record
from matchmaker.calls.models import Call
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.evaluation.models import ConflictOfInterest
from matchmaker.evaluation.services import (
    MAX_REASON_LENGTH,
    REVIEWABLE,
    active_assignment,
    conflicted_org_ids,
)
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal


def applicant_organizations(call: Call) -> list[Organization]:
    """Organizations that submitted a proposal to the call: what a conflict can be with."""
    return list(
        db.session.scalars(
            select(Organization)
            .join(Proposal, Proposal.organization_id == Organization.id)
            .where(Proposal.call_id == call.id, Proposal.status.in_(REVIEWABLE))
            .order_by(Organization.name)
        )
    )


def declared_conflicts(user, call: Call) -> list[ConflictOfInterest]:
    return list(
        db.session.scalars(
            select(ConflictOfInterest)
            .where(ConflictOfInterest.call_id == call.id, ConflictOfInterest.reviewer_id == user.id)
            .order_by(ConflictOfInterest.created_at, ConflictOfInterest.id)
        )
    )


def declare_conflict(user, call: Call, organization_id: int, reason: str) -> ConflictOfInterest:
    """Record a conflict; the organization's proposal disappears from the reviewer's list."""
    if active_assignment(user, call.id) is None:
        raise NotAllowed(_("Only reviewers assigned to this call can declare conflicts."))
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise DomainError(_("Give a reason for the conflict of interest."))
    if organization_id not in {o.id for o in applicant_organizations(call)}:
        raise DomainError(_("Choose an organization that submitted a proposal to this call."))
    if organization_id in conflicted_org_ids(user.id, call.id):
        raise Conflict(_("You have already declared a conflict with this organization."))
    conflict = ConflictOfInterest(
        call_id=call.id, reviewer_id=user.id, organization_id=organization_id, reason=reason
    )
    db.session.add(conflict)
    db.session.flush()
    record(
        "reviewer_conflict",
        actor=user,
        object_type="call",
        object_id=call.id,
        organization_id=organization_id,
    )
    return conflict
