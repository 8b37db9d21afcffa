"""How call notifications read (registered with the notifications package)."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.notifications.kinds import notice_kind


@notice_kind("call_published")
def _published(params):
    return (
        _("New call announced: %(title)s", title=params["title"]),
        _("A call for proposals was published. See when it opens and what it asks for."),
    )


@notice_kind("call_opened")
def _opened(params):
    return (
        _("Call opened: %(title)s", title=params["title"]),
        _("The call is now open for proposals."),
    )


@notice_kind("call_closed")
def _closed(params):
    return (
        _("Call closed: %(title)s", title=params["title"]),
        _("The call no longer accepts proposals; the proposals are being evaluated."),
    )


@notice_kind("call_decided")
def _decided(params):
    return (
        _("Results announced: %(title)s", title=params["title"]),
        _("The department has announced the results of this call."),
    )


@notice_kind("call_cancelled")
def _cancelled(params):
    return (
        _("Call cancelled: %(title)s", title=params["title"]),
        _("The department has cancelled this call."),
    )


@notice_kind("call_question_answered")
def _answered(params):
    return (
        _("Your question was answered: %(title)s", title=params["title"]),
        _("The department published an answer to your question on this call."),
    )
