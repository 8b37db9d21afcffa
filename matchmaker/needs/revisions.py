"""Pending revisions of a need with an active call, and need notices to followers.

The published text stays visible until a coordinator approves the revision; then the need's
followers and the call's applicants hear of the change."""

from __future__ import annotations

from dataclasses import asdict

from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, User
from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs import notices  # noqa: F401  (registers the notification kinds)
from matchmaker.needs.models import Need, NeedRevision, NeedStatus, RevisionStatus

R = RevisionStatus
ACTIVE_CALL_STATUSES = ("scheduled", "open", "under_evaluation")
MAX_COMMENT = 5000


def has_active_call(need_id: int) -> bool:
    """A call that is announced, open or being evaluated keeps the need's text stable."""
    from matchmaker.calls.models import Call, CallStatus

    statuses = [CallStatus(s) for s in ACTIVE_CALL_STATUSES]
    stmt = select(Call.id).where(Call.need_id == need_id, Call.status.in_(statuses)).limit(1)
    return db.session.scalar(stmt) is not None


def pending_revision(need: Need) -> NeedRevision | None:
    return db.session.scalar(
        select(NeedRevision)
        .where(NeedRevision.need_id == need.id, NeedRevision.status == R.PENDING)
        .order_by(NeedRevision.id.desc())
        .limit(1)
    )


def pending_revisions() -> list[NeedRevision]:
    """The coordinator's queue, oldest first."""
    return list(
        db.session.scalars(
            select(NeedRevision)
            .where(NeedRevision.status == R.PENDING)
            .order_by(NeedRevision.created_at, NeedRevision.id)
        )
    )


def propose_revision(user: User, need: Need, data) -> NeedRevision:
    """Keep one pending revision per need: a second edit replaces the pending one's text."""
    revision = pending_revision(need)
    if revision is None:
        revision = NeedRevision(need_id=need.id, created_by_id=user.id)
        db.session.add(revision)
    revision.data = asdict(data)
    revision.created_by_id = user.id
    revision.created_at = utcnow()
    db.session.flush()
    record("need_revision_propose", actor=user, obj=need, revision_id=revision.id)
    return revision


def _check_decider(user, revision: NeedRevision) -> None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_staff:
        raise NotAllowed(_("Only coordinators and administrators decide on revisions."))
    if not user.is_approved:
        raise NotAllowed(_("You are not allowed to do this."))
    if revision.status is not R.PENDING:
        raise IllegalTransition(_("This revision was already decided."))


def approve_revision(user: User, revision: NeedRevision, now=None) -> Need:
    """Apply the revised text to the published need and tell followers and applicants."""
    from matchmaker.matching.pending import mark_changed
    from matchmaker.needs import services

    _check_decider(user, revision)
    need = revision.need
    if need.status is not NeedStatus.PUBLISHED:
        raise IllegalTransition(_("Only a published need can take a revision."))
    data = services.NeedData(**revision.data)
    services._validate(data)
    services._apply(need, data)
    revision.status = R.APPROVED
    revision.decided_by_id = user.id
    revision.decided_at = now or utcnow()
    flush_or_conflict(_("Someone else changed this need at the same moment."))
    mark_changed(db.session, "need", need.id)
    record("need_revision_approve", actor=user, obj=need, revision_id=revision.id)
    _notify_revised(need, revision)
    return need


def reject_revision(user: User, revision: NeedRevision, comment: str, now=None) -> NeedRevision:
    _check_decider(user, revision)
    comment = (comment or "").strip()
    if not comment or len(comment) > MAX_COMMENT:
        raise DomainError(_("Explain why the revision is rejected; the comment is required."))
    revision.status = R.REJECTED
    revision.comment = comment
    revision.decided_by_id = user.id
    revision.decided_at = now or utcnow()
    db.session.flush()
    record("need_revision_reject", actor=user, obj=revision.need, revision_id=revision.id)
    author = db.session.get(User, revision.created_by_id) if revision.created_by_id else None
    if author is not None:
        from matchmaker.notifications.services import notify

        notify(
            [author],
            "need_revision_rejected",
            {"need_id": revision.need_id, "title": revision.need.title, "comment": comment[:500]},
            f"/needs/{revision.need_id}",
            f"need_revision:{revision.id}:rejected",
        )
    return revision


def applicants_of(need: Need) -> list[User]:
    """Active members of organizations with a live proposal on one of the need's calls."""
    from matchmaker.calls.models import Call
    from matchmaker.proposals.models import Proposal, ProposalStatus

    orgs = (
        select(Proposal.organization_id)
        .join(Call, Call.id == Proposal.call_id)
        .where(Call.need_id == need.id, Proposal.status != ProposalStatus.WITHDRAWN)
    )
    return list(
        db.session.scalars(
            select(User).where(User.organization_id.in_(orgs), User.status == AccountStatus.ACTIVE)
        )
    )


def _notify_revised(need: Need, revision: NeedRevision) -> None:
    from matchmaker.notifications.services import notify, notify_followers

    params = {"need_id": need.id, "title": need.title}
    link, key = f"/needs/{need.id}", f"need:{need.id}:revision:{revision.id}"
    notify_followers("need", need.id, "need_revised", params, link, key)
    notify(applicants_of(need), "need_revised", params, link, key)


def notify_need_phase(need: Need, phase: str) -> None:
    """Followers hear when a need is published or closed (once per event)."""
    from matchmaker.notifications.services import notify_followers

    params = {"need_id": need.id, "title": need.title}
    key = f"need:{need.id}:{phase}:v{need.version}"
    notify_followers("need", need.id, f"need_{phase}", params, f"/needs/{need.id}", key)
