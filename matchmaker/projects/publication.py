"""The public result of a project: its outcome and contacts, published by the department."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from matchmaker.common.errors import DomainError, IllegalTransition
from matchmaker.db import utcnow
from matchmaker.projects.models import FINISHED_PROJECT_STATUSES, Project
from matchmaker.projects.services import (
    DEPARTMENT_SIDE,
    acting_side,
    changed,
    clean_text,
    save,
)


def update_result(
    project: Project, actor, outcome: str, contact_name: str, contact_email: str
) -> Project:
    """The public result's text and contacts; a published result keeps an outcome."""
    side = acting_side(actor, project, DEPARTMENT_SIDE)
    outcome = clean_text(outcome, _("The outcome"))
    if project.published_at is not None and not outcome:
        raise DomainError(_("A published result needs an outcome. Unpublish it first."))
    project.outcome = outcome
    project.contact_name = clean_text(contact_name, _("The contact name"), 120)
    project.contact_email = clean_text(contact_email, _("The contact e-mail"), 254)
    save(project)
    changed(project, actor, side, "result", "project_result")
    return project


def set_published(project: Project, actor, published: bool, now: datetime | None = None):
    """Publish a finished project's result with an outcome, or withdraw it."""
    side = acting_side(actor, project, DEPARTMENT_SIDE)
    if published:
        if project.status not in FINISHED_PROJECT_STATUSES:
            raise IllegalTransition(_("Only a finished project's result can be published."))
        if not project.outcome.strip():
            raise DomainError(_("Describe the outcome before publishing the result."))
        if project.published_at is not None:
            return project
        project.published_at = now or utcnow()
    else:
        if project.published_at is None:
            return project
        project.published_at = None
    save(project)
    change = "published" if published else "unpublished"
    changed(project, actor, side, change, f"project_{'publish' if published else 'unpublish'}")
    return project
