"""Reviewer panels: the assignment transition table, conflicts of interest and who may review."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role, User
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.audit.services import record
from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.evaluation import notices  # noqa: F401  (registers the notice kinds)
from matchmaker.evaluation.models import (
    AssignmentStatus,
    ConflictOfInterest,
    ReviewerAssignment,
    Score,
)
from matchmaker.extensions import db
from matchmaker.proposals.models import DECISION_STATUSES, Proposal, ProposalStatus

A = AssignmentStatus
REVIEWER = frozenset({Role.REVIEWER.value})
STAFF = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
ACTIVE_ASSIGNMENT = (A.ASSIGNED, A.COMPLETED)
REVIEWABLE = (ProposalStatus.SUBMITTED, *DECISION_STATUSES)
CLOSED_CALL = (CallStatus.DECIDED, CallStatus.CANCELLED)
MAX_REASON_LENGTH = 2000

ASSIGNMENT_ACTION_LABELS = {
    "complete": _l("Mark my review as done"),
    "reopen": _l("Reopen my review"),
    "remove": _l("Remove from the panel"),
    "reassign": _l("Assign again"),
}
ASSIGNMENT_STATUS_LABELS = {
    A.ASSIGNED: _l("Reviewing"),
    A.COMPLETED: _l("Review done"),
    A.REMOVED: _l("Removed"),
}

ASSIGNMENT_WORKFLOW = Workflow(
    [
        Transition("complete", A.ASSIGNED, A.COMPLETED, REVIEWER),
        Transition("reopen", A.COMPLETED, A.ASSIGNED, REVIEWER),
        Transition("remove", A.ASSIGNED, A.REMOVED, STAFF),
        Transition("remove", A.COMPLETED, A.REMOVED, STAFF),
        Transition("reassign", A.REMOVED, A.ASSIGNED, STAFF),
    ],
    ASSIGNMENT_ACTION_LABELS,
)


def assignment_status_label(status) -> str:
    return str(ASSIGNMENT_STATUS_LABELS.get(A(getattr(status, "value", status)), status))


def check_assignment_action(actor: User, assignment: ReviewerAssignment, action: str) -> Transition:
    """Raise unless `actor` may move `assignment` with `action` now (table, role, ownership)."""
    transition = ASSIGNMENT_WORKFLOW.find(action, assignment.status)
    if transition is None:
        raise IllegalTransition(
            _(
                "“%(action)s” is not possible while the assignment is “%(status)s”.",
                action=ASSIGNMENT_ACTION_LABELS.get(action, action),
                status=assignment_status_label(assignment.status),
            )
        )
    if not is_signed_in(actor) or actor.role.value not in transition.roles:
        raise NotAllowed(_("You are not allowed to do this."))
    if transition.roles == REVIEWER and assignment.reviewer_id != actor.id:
        raise NotAllowed(_("Only the assigned reviewer can do this."))
    return transition


def _flush(message: str) -> None:
    flush_or_conflict(message)


# ---- who may review what --------------------------------------------------------------------


def active_assignment(user, call_id: int) -> ReviewerAssignment | None:
    """The user's assigned or completed assignment on the call, if any."""
    if not is_signed_in(user) or user.role is not Role.REVIEWER or not user.is_approved:
        return None
    return db.session.scalar(
        select(ReviewerAssignment).where(
            ReviewerAssignment.call_id == call_id,
            ReviewerAssignment.reviewer_id == user.id,
            ReviewerAssignment.status.in_(ACTIVE_ASSIGNMENT),
        )
    )


def conflicted_org_ids(reviewer_id: int, call_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(ConflictOfInterest.organization_id).where(
                ConflictOfInterest.call_id == call_id,
                ConflictOfInterest.reviewer_id == reviewer_id,
            )
        )
    )


def can_review(user, proposal: Proposal) -> bool:
    """Assigned to the call, not of the proposing organization, no declared conflict."""
    if proposal.status not in REVIEWABLE:
        return False
    if active_assignment(user, proposal.call_id) is None:
        return False
    if user.belongs_to(proposal.organization_id):
        return False
    return proposal.organization_id not in conflicted_org_ids(user.id, proposal.call_id)


def visible_proposals_for_reviewer(user, call: Call) -> list[Proposal]:
    """The proposals of `call` this reviewer may see and score, oldest submission first."""
    if active_assignment(user, call.id) is None:
        return []
    excluded = conflicted_org_ids(user.id, call.id)
    if user.organization_id is not None:
        excluded.add(user.organization_id)
    stmt = select(Proposal).where(Proposal.call_id == call.id, Proposal.status.in_(REVIEWABLE))
    if excluded:
        stmt = stmt.where(Proposal.organization_id.not_in(excluded))
    return list(db.session.scalars(stmt.order_by(Proposal.submitted_at, Proposal.id)))


def scored_proposal_ids(user, call: Call) -> set[int]:
    """Proposals for which this reviewer has scored every criterion of the call."""
    criterion_ids = [c.id for c in call.criteria]
    if not criterion_ids:
        return set()
    rows = db.session.execute(
        select(Score.proposal_id, func.count(Score.id))
        .join(Proposal, Proposal.id == Score.proposal_id)
        .where(
            Proposal.call_id == call.id,
            Score.reviewer_id == user.id,
            Score.criterion_id.in_(criterion_ids),
        )
        .group_by(Score.proposal_id)
    )
    return {pid for pid, n in rows if n >= len(criterion_ids)}


def review_progress(user, call: Call) -> tuple[list[Proposal], list[Proposal]]:
    """(pending, done) among the proposals the reviewer may see."""
    proposals = visible_proposals_for_reviewer(user, call)
    done_ids = scored_proposal_ids(user, call)
    return (
        [p for p in proposals if p.id not in done_ids],
        [p for p in proposals if p.id in done_ids],
    )


def my_assignments(user) -> list[ReviewerAssignment]:
    if not is_signed_in(user):
        return []
    return list(
        db.session.scalars(
            select(ReviewerAssignment)
            .join(Call, Call.id == ReviewerAssignment.call_id)
            .where(
                ReviewerAssignment.reviewer_id == user.id,
                ReviewerAssignment.status.in_(ACTIVE_ASSIGNMENT),
            )
            .order_by(Call.closes_at.desc(), Call.id.desc())
        )
    )


# ---- the panel (staff) ----------------------------------------------------------------------


def eligible_reviewers() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.REVIEWER, User.status == AccountStatus.ACTIVE)
            .order_by(User.name, User.id)
        )
    )


def panel(call: Call) -> list[ReviewerAssignment]:
    return list(
        db.session.scalars(
            select(ReviewerAssignment)
            .where(ReviewerAssignment.call_id == call.id)
            .order_by(ReviewerAssignment.created_at, ReviewerAssignment.id)
        )
    )


def assign_reviewers(call: Call, reviewer_ids: Iterable[int], actor: User) -> int:
    """Add reviewers to the panel (reactivating removed ones); returns how many changed."""
    if not is_signed_in(actor) or not actor.is_staff:
        raise NotAllowed(_("Only coordinators assign reviewers."))
    if call.status in CLOSED_CALL:
        raise IllegalTransition(_("Reviewers cannot be assigned to a decided or cancelled call."))
    wanted = set(reviewer_ids)
    reviewers = {u.id: u for u in eligible_reviewers() if u.id in wanted}
    if len(reviewers) != len(wanted):
        raise DomainError(_("Choose active reviewers from the list."))
    existing = {a.reviewer_id: a for a in panel(call)}
    changed = 0
    for reviewer in reviewers.values():
        assignment = existing.get(reviewer.id)
        if assignment is None:
            assignment = ReviewerAssignment(
                call_id=call.id, reviewer_id=reviewer.id, assigned_by_id=actor.id
            )
            db.session.add(assignment)
        elif assignment.status is A.REMOVED:
            check_assignment_action(actor, assignment, "reassign")
            assignment.status = A.ASSIGNED
            assignment.assigned_by_id = actor.id
            assignment.completed_at = None
        else:
            continue  # already on the panel: assigning twice changes nothing
        _flush(_("The panel changed at the same moment. Reload the page and try again."))
        record("reviewer_assign", actor=actor, obj=assignment, call_id=call.id)
        _notify_assigned(reviewer, call)
        changed += 1
    return changed


def _notify_assigned(reviewer: User, call: Call) -> None:
    from matchmaker.notifications.services import notify

    notify(
        [reviewer],
        "reviewer_assigned",
        {"call_id": call.id, "title": call.title},
        "/reviews",  # a relative link that also works from jobs, outside a request
        f"call:{call.id}:reviewer:{reviewer.id}:assigned",
    )


def remove_reviewer(assignment: ReviewerAssignment, actor: User) -> None:
    check_assignment_action(actor, assignment, "remove")
    assignment.status = A.REMOVED
    _flush(_("The panel changed at the same moment. Reload the page and try again."))
    record("reviewer_remove", actor=actor, obj=assignment, call_id=assignment.call_id)


def complete_review(assignment: ReviewerAssignment, actor: User) -> None:
    """The reviewer is done: allowed once every proposal they can see is scored."""
    check_assignment_action(actor, assignment, "complete")
    call = assignment.call
    if call.status is not CallStatus.UNDER_EVALUATION:
        raise IllegalTransition(_("Reviews can be marked as done only while under evaluation."))
    pending, _done = review_progress(actor, call)
    if pending:
        raise IllegalTransition(
            _(
                "Score every proposal before marking your review as done (%(n)d left).",
                n=len(pending),
            )
        )
    assignment.status = A.COMPLETED
    assignment.completed_at = utcnow()
    _flush(_("Your review changed at the same moment. Reload the page and try again."))
    record("reviewer_complete", actor=actor, obj=assignment, call_id=call.id)


def reopen_review(assignment: ReviewerAssignment, actor: User) -> None:
    check_assignment_action(actor, assignment, "reopen")
    if assignment.call.status is not CallStatus.UNDER_EVALUATION:
        raise IllegalTransition(_("A review can be reopened only while under evaluation."))
    assignment.status = A.ASSIGNED
    assignment.completed_at = None
    _flush(_("Your review changed at the same moment. Reload the page and try again."))
    record("reviewer_reopen", actor=actor, obj=assignment, call_id=assignment.call_id)
