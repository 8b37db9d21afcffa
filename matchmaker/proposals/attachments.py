"""PDF attachments of a proposal: added and removed only while the proposal is editable."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.proposals.access import EDITABLE_STATUSES, OWNER, actor_kinds
from matchmaker.proposals.models import Proposal, ProposalAttachment
from matchmaker.uploads.models import Attachment
from matchmaker.uploads.services import file_path, store_pdfs

MAX_ATTACHMENTS = 10
_DELETE_AFTER_COMMIT = "proposals_delete_after_commit"


def _check_editable(proposal: Proposal, actor, now: datetime | None) -> None:
    from matchmaker.proposals.services import check_accepting

    if OWNER not in actor_kinds(actor, proposal):
        raise NotAllowed(_("Only your organization's members can change this proposal."))
    if proposal.status not in EDITABLE_STATUSES:
        raise IllegalTransition(_("This proposal can no longer be edited."))
    check_accepting(proposal.call, now)


def add_attachments(
    proposal: Proposal, actor, files: list[tuple[object, str | None]], now: datetime | None = None
) -> list[ProposalAttachment]:
    """Store every file or none: a rejected file removes the ones stored before it."""
    _check_editable(proposal, actor, now)
    files = [f for f in files if f[1]]
    if not files:
        raise DomainError(_("Choose at least one PDF file."))
    if len(proposal.attachments) + len(files) > MAX_ATTACHMENTS:
        raise DomainError(_("A proposal may have at most %(n)d attachments.", n=MAX_ATTACHMENTS))
    stored = store_pdfs(files, actor, proposal.organization_id)
    items = [ProposalAttachment(proposal_id=proposal.id, attachment=a) for a in stored]
    proposal.attachments.extend(items)
    db.session.flush()
    for item in items:
        record(
            "proposal_attachment_add",
            actor=actor,
            obj=proposal,
            attachment_id=item.attachment_id,
            size=item.attachment.size,
        )
    return items


def remove_attachment(
    proposal: Proposal, item_id: int, actor, now: datetime | None = None
) -> Attachment:
    """Delete the row now and the bytes once the transaction has committed."""
    _check_editable(proposal, actor, now)
    item = find_item(proposal, item_id)
    attachment = item.attachment
    proposal.attachments.remove(item)
    db.session.flush()
    db.session.delete(attachment)
    db.session.flush()
    db.session.info.setdefault(_DELETE_AFTER_COMMIT, []).append(file_path(attachment))
    record("proposal_attachment_remove", actor=actor, obj=proposal, attachment_id=attachment.id)
    return attachment


def find_item(proposal: Proposal, item_id: int) -> ProposalAttachment:
    from flask import abort

    for item in proposal.attachments:
        if item.id == item_id:
            return item
    abort(404)


@event.listens_for(Session, "after_commit")
def _delete_files_after_commit(session):
    for path in session.info.pop(_DELETE_AFTER_COMMIT, []):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _keep_files_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop(_DELETE_AFTER_COMMIT, None)
