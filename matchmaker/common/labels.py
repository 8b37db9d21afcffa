"""Translated labels for enum values shown in pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "changes_requested": _l("Edits requested"),
    "published": _l("Published"),
    "closed": _l("Closed"),
    "archived": _l("Archived"),
    # calls
    "scheduled": _l("Scheduled"),
    "open": _l("Open"),
    "under_evaluation": _l("Under evaluation"),
    "decided": _l("Decided"),
    "cancelled": _l("Cancelled"),
    # proposals
    "submitted": _l("Submitted"),
    "withdrawn": _l("Withdrawn"),
    "selected": _l("Selected"),
    "waitlisted": _l("Waitlisted"),
    "not_selected": _l("Not selected"),
    # demonstration projects and their milestones
    "planned": _l("Planned"),
    "running": _l("Running"),
    "completed": _l("Completed"),
    "adopted": _l("Adopted"),
    "not_adopted": _l("Not adopted"),
    "pending": _l("Pending"),
    "done": _l("Done"),
    "missed": _l("Missed"),
}

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "coordinator": _l("Coordinator"),
    "reviewer": _l("Reviewer"),
    "department": _l("Department staff"),
    "provider": _l("Solution provider"),
}

ACCOUNT_STATUS_LABELS = {
    "pending": _l("Awaiting approval"),
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "deactivated": _l("Deactivated"),
}

ORG_KIND_LABELS = {
    "department": _l("Government department"),
    "startup": _l("Startup"),
    "social_enterprise": _l("Social enterprise"),
    "university": _l("University or research institute"),
    "npo": _l("NPO"),
    "company": _l("Company"),
}

KPI_DIRECTION_LABELS = {
    "increase": _l("Higher is better"),
    "decrease": _l("Lower is better"),
}


def _lookup(table: dict):
    def label(value) -> str:
        key = getattr(value, "value", value)
        return str(table.get(key, key))

    return label


status_label = _lookup(STATUS_LABELS)
role_label = _lookup(ROLE_LABELS)
account_status_label = _lookup(ACCOUNT_STATUS_LABELS)
org_kind_label = _lookup(ORG_KIND_LABELS)
kpi_direction_label = _lookup(KPI_DIRECTION_LABELS)
