"""How evaluation notifications read (registered with the notifications package)."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.notifications.kinds import notice_kind


@notice_kind("reviewer_assigned")
def _assigned(params):
    return (
        _("You are a reviewer for: %(title)s", title=params["title"]),
        _(
            "A coordinator added you to the review panel of this call. Declare any conflict "
            "of interest before you read the proposals."
        ),
    )


@notice_kind("proposal_outcome")
def _outcome(params):
    title, call = params["title"], params["call_title"]
    subject = _("Result of your proposal: %(title)s", title=title)
    outcome = params.get("outcome")
    if outcome == "selected":
        body = _(
            "Your proposal “%(title)s” to the call “%(call)s” was selected.", title=title, call=call
        )
    elif outcome == "waitlisted":
        body = _(
            "Your proposal “%(title)s” to the call “%(call)s” is on the waiting list.",
            title=title,
            call=call,
        )
    else:
        body = _(
            "Your proposal “%(title)s” to the call “%(call)s” was not selected. Reason: %(reason)s",
            title=title,
            call=call,
            reason=params.get("reason") or "",
        )
    return subject, body
