"""How project notifications read, and which party hears about a change."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from matchmaker.accounts.organizations import active_members
from matchmaker.common.labels import status_label
from matchmaker.notifications.kinds import notice_kind
from matchmaker.projects.models import Project

CHANGE_LABELS = {
    "agreement": _l("the agreement and dates"),
    "milestones": _l("the milestones"),
    "milestone_report": _l("a milestone's status"),
    "kpis": _l("the KPIs"),
    "kpi_actual": _l("a KPI's measured value"),
    "update": _l("a progress update"),
    "final_report": _l("the final report"),
    "result": _l("the public result"),
    "published": _l("the publication of the result"),
    "unpublished": _l("the withdrawal of the published result"),
}


@notice_kind("project_created")
def _created(params):
    return (
        _("Demonstration project started: %(title)s", title=params["title"]),
        _(
            "%(department)s started a demonstration project with %(provider)s. Open it to see "
            "the agreement, milestones and KPIs.",
            department=params["department"],
            provider=params["provider"],
        ),
    )


@notice_kind("project_status")
def _status(params):
    return (
        _(
            "Project %(title)s: %(status)s",
            title=params["title"],
            status=status_label(params["status"]),
        ),
        _(
            "The demonstration project “%(title)s” is now “%(status)s”.",
            title=params["title"],
            status=status_label(params["status"]),
        ),
    )


@notice_kind("project_changed")
def _changed(params):
    what = str(CHANGE_LABELS.get(params["change"], params["change"]))
    return (
        _("Project %(title)s was updated", title=params["title"]),
        _(
            "%(organization)s changed %(what)s of the demonstration project “%(title)s”.",
            organization=params["organization"],
            what=what,
            title=params["title"],
        ),
    )


def notify_parties(project: Project, kind: str, dedupe_key: str, side: str, **params) -> None:
    """Tell the party that did not make the change; a staff change reaches both parties.

    `side` is the part that changed: "department" or "provider".
    """
    from matchmaker.notifications.services import notify

    if side == "staff":
        org_ids = (project.department_org_id, project.provider_org_id)
    elif side == "department":
        org_ids = (project.provider_org_id,)
    else:
        org_ids = (project.department_org_id,)
    recipients = [u for org_id in org_ids for u in active_members(org_id)]
    base = {"project_id": project.id, "title": project.title}
    notify(recipients, kind, base | params, f"/projects/{project.id}", dedupe_key)
