"""How need notifications read (registered with the notifications package)."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.notifications.kinds import notice_kind


@notice_kind("need_published")
def _published(params):
    return (
        _("Need published: %(title)s", title=params["title"]),
        _("A need you follow is now published."),
    )


@notice_kind("need_closed")
def _closed(params):
    return (
        _("Need closed: %(title)s", title=params["title"]),
        _("A need you follow was closed by its department."),
    )


@notice_kind("need_revised")
def _revised(params):
    return (
        _("Need updated: %(title)s", title=params["title"]),
        _("The department changed the description of this need. Read the new version."),
    )


@notice_kind("need_revision_rejected")
def _rejected(params):
    return (
        _("Revision not approved: %(title)s", title=params["title"]),
        _("A coordinator did not approve your edit: %(comment)s", comment=params["comment"]),
    )
