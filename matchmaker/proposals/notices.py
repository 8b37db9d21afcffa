"""How proposal notifications read (registered with the notifications package), and who
hears about a submission."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from matchmaker.accounts.organizations import active_members
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.notifications.kinds import notice_kind
from matchmaker.proposals.models import Proposal


@notice_kind("proposal_submitted")
def _submitted(params):
    return (
        _("Proposal submitted: %(title)s", title=params["title"]),
        _(
            "We received your proposal to the call “%(call)s”. You can still edit or withdraw "
            "it until the call closes.",
            call=params["call_title"],
        ),
    )


@notice_kind("proposal_received")
def _received(params):
    return (
        _("New proposal for %(call)s", call=params["call_title"]),
        _(
            "%(organization)s submitted the proposal “%(title)s”.",
            organization=params["organization"],
            title=params["title"],
        ),
    )


def submission_count(proposal: Proposal) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "proposal_submit",
            AuditEvent.object_type == "proposal",
            AuditEvent.object_id == proposal.id,
        )
    )


def notify_submitted(proposal: Proposal) -> None:
    """A receipt to the applicants and a notice to the call's department, once per
    submission (edits of a submitted proposal notify nobody)."""
    from matchmaker.notifications.services import notify

    call = proposal.call
    count = submission_count(proposal)
    params = {
        "proposal_id": proposal.id,
        "title": proposal.title,
        "call_id": call.id,
        "call_title": call.title,
        "organization": proposal.organization.name,
    }
    link = f"/proposals/{proposal.id}"  # relative, also valid outside a request (jobs)
    notify(
        active_members(proposal.organization_id),
        "proposal_submitted",
        params,
        link,
        f"proposal:{proposal.id}:submitted:{count}",
    )
    notify(
        active_members(call.organization_id),
        "proposal_received",
        params,
        link,
        f"proposal:{proposal.id}:received:{count}",
    )
