"""The invitation a seed's organization receives when a coordinator invites it to apply."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.accounts.organizations import active_members
from matchmaker.calls.models import Call, CallStatus
from matchmaker.extensions import db
from matchmaker.notifications.kinds import notice_kind
from matchmaker.notifications.services import notify


@notice_kind("pair_invited")
def _invited(params):
    body = _(
        "A coordinator invites your organization to apply to the need “%(need)s” "
        "with your seed “%(seed)s”.",
        need=params["need_title"],
        seed=params["seed_title"],
    )
    if params.get("call_title"):
        body += " " + _("A call for proposals is open: %(call)s", call=params["call_title"])
    return _("Invitation to apply: %(title)s", title=params["need_title"]), body


def open_call_of(need_id: int) -> Call | None:
    return db.session.scalar(
        select(Call)
        .where(Call.need_id == need_id, Call.status == CallStatus.OPEN)
        .order_by(Call.closes_at, Call.id)
    )


def notify_invited(need, seed) -> list:
    """Tell the seed organization's active members once per pair, however often it is invited."""
    members = active_members(seed.organization_id)
    call = open_call_of(need.id)
    params = {
        "need_id": need.id,
        "need_title": need.title,
        "seed_id": seed.id,
        "seed_title": seed.title,
        "call_id": call.id if call else None,
        "call_title": call.title if call else "",
    }
    # relative paths, valid outside a request too (the calls pages live under /calls/<id>)
    link = f"/calls/{call.id}" if call else f"/needs/{need.id}"
    return notify(members, "pair_invited", params, link, f"pair:{need.id}:{seed.id}:invited")
