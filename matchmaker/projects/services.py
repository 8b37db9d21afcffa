"""Project workflow and the changes each party makes; views pass plain data, never `request`.

Decisions written down here: a project starts from a selected proposal of an announced call,
once; the department prepares while planned and both parties work while running; the
adoption decision needs a reason; a result is published only when finished and described.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.persistence import flush_or_conflict
from matchmaker.common.text import search_blob
from matchmaker.common.workflow import Transition, Workflow
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.projects.access import (  # noqa: F401  (the contract other packages import)
    DEPARTMENT,
    PROVIDER,
    STAFF,
    actor_kinds,
    can_edit_department_part,
    can_edit_provider_part,
    can_edit_result,
    can_start_project,
    can_view_project,
    get_project_or_404,
    load_visible_project,
    project_for_proposal,
    projects_for,
)
from matchmaker.projects.models import Project, ProjectStatus
from matchmaker.projects.notices import notify_parties
from matchmaker.proposals.models import Proposal
from matchmaker.uploads.services import store_pdf

S = ProjectStatus
DEPARTMENT_SIDE = frozenset({STAFF, DEPARTMENT})
PROVIDER_SIDE = frozenset({STAFF, PROVIDER})

ACTION_LABELS = {
    "start": _l("Start the pilot"),
    "complete": _l("Mark as completed"),
    "adopt": _l("Adopt"),
    "not_adopt": _l("Do not adopt"),
}

PROJECT_WORKFLOW = Workflow(
    [
        Transition("start", S.PLANNED, S.RUNNING, DEPARTMENT_SIDE),
        Transition("complete", S.RUNNING, S.COMPLETED, PROVIDER_SIDE),
        Transition("adopt", S.COMPLETED, S.ADOPTED, DEPARTMENT_SIDE),
        Transition("not_adopt", S.COMPLETED, S.NOT_ADOPTED, DEPARTMENT_SIDE),
    ],
    ACTION_LABELS,
)
DECISION_ACTIONS = ("adopt", "not_adopt")
MAX_TEXT = 20000

File = tuple[object, str | None]  # (stream, filename) of an uploaded PDF


def refresh_search_text(project: Project) -> None:
    """Keep the public search column in step with every saved change."""
    need = project.need
    project.search_text = search_blob(
        project.title,
        project.summary,
        project.outcome,
        need.title if need else None,
        need.summary if need else None,
        project.provider.name if project.provider else None,
        " ".join(k.name for k in project.kpis),
    )


def save(project: Project) -> None:
    """Refresh the search text and flush; a concurrent change becomes a Conflict."""
    refresh_search_text(project)
    flush_or_conflict(
        _("Someone else changed this project at the same time. Reload the page and try again.")
    )


def acting_side(actor, project: Project, part: frozenset[str]) -> str:
    """The party the actor acts for on `part`, or refuse; staff act for neither party."""
    kinds = actor_kinds(actor, project) & part
    if not kinds:
        raise NotAllowed(_("You may not change this part of the project."))
    return DEPARTMENT if DEPARTMENT in kinds else PROVIDER if PROVIDER in kinds else STAFF


def require_department_part(actor, project: Project) -> str:
    side = acting_side(actor, project, DEPARTMENT_SIDE)
    if not can_edit_department_part(actor, project):
        raise IllegalTransition(_("The department's part can no longer be changed."))
    return side


def require_provider_part(actor, project: Project) -> str:
    side = acting_side(actor, project, PROVIDER_SIDE)
    if not can_edit_provider_part(actor, project):
        raise IllegalTransition(_("The provider's part can be changed only while it is running."))
    return side


def changed(project: Project, actor, side: str, change: str, action: str, **details) -> None:
    """Audit one change and tell the other party (one notice per audit event)."""
    event = record(action, actor=actor, obj=project, **details)
    organization = project.department if side == DEPARTMENT else project.provider
    name = organization.name if side != STAFF else _("A coordinator")
    notify_parties(
        project,
        "project_changed",
        f"project:{project.id}:{change}:{event.id}",
        side,
        change=change,
        organization=str(name),
    )


def clean_text(value: str | None, label: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise DomainError(_("%(field)s may have at most %(n)d characters.", field=label, n=limit))
    return value


def start_project(proposal: Proposal, actor) -> tuple[Project, bool]:
    """Create the project of a selected proposal, or return the one it already has (a double
    click or a retried POST never makes two). Returns (project, created)."""
    existing = project_for_proposal(proposal.id)
    if existing is not None and (actor.is_staff or can_view_project(actor, existing)):
        return existing, False
    if not can_start_project(actor, proposal):
        raise NotAllowed(
            _("Only the call's department starts a project, from a selected proposal.")
        )
    call = proposal.call
    project = Project(
        proposal_id=proposal.id,
        call_id=call.id,
        need_id=call.need_id,
        department_org_id=call.organization_id,
        provider_org_id=proposal.organization_id,
        seed_id=proposal.seed_id,
        created_by_id=actor.id,
        language=call.language,
        title=proposal.title,
        summary=proposal.approach,
    )
    try:
        with db.session.begin_nested():
            db.session.add(project)
            db.session.flush()
    except IntegrityError:  # another request created it between our check and insert
        existing = project_for_proposal(proposal.id)
        if existing is None:
            raise
        return existing, False
    refresh_search_text(project)
    db.session.flush()
    record("project_create", actor=actor, obj=project, proposal_id=proposal.id)
    notify_parties(
        project,
        "project_created",
        f"project:{project.id}:created",
        DEPARTMENT,
        department=project.department.name,
        provider=project.provider.name,
    )
    return project, True


def transition(
    project: Project, action: str, actor, reason: str = "", now: datetime | None = None
) -> Project:
    """Move a project along PROJECT_WORKFLOW: who first, then state, then the preconditions."""
    now = now or utcnow()
    kinds = actor_kinds(actor, project)
    if not any(t.roles & kinds for t in PROJECT_WORKFLOW.transitions if t.action == action):
        raise NotAllowed(_("You may not do this to this project."))
    step = PROJECT_WORKFLOW.check(action, project.status)
    side = acting_side(actor, project, step.roles)
    if action == "start" and (project.agreement_date is None or project.starts_on is None):
        raise DomainError(_("Record the agreement date and the start date before starting."))
    if action == "complete" and not project.final_report.strip():
        raise DomainError(_("Write the final report before completing the project."))
    if action in DECISION_ACTIONS:
        reason = clean_text(reason, _("The reason"), 5000)
        if not reason:
            raise DomainError(_("Give the reason for the adoption decision."))
        project.adoption_reason = reason
        project.decided_at = now
    source = project.status
    project.status = step.target
    if action == "start":
        project.started_at = now
    elif action == "complete":
        project.completed_at = now
    save(project)
    record(f"project_{action}", actor=actor, obj=project, from_status=source, to_status=step.target)
    notify_parties(
        project,
        "project_status",
        f"project:{project.id}:{action}",
        side,
        status=step.target.value,
    )
    return project


def update_agreement(
    project: Project,
    actor,
    agreement_date: date | None,
    starts_on: date | None,
    ends_on: date | None,
    agreement_file: File | None = None,
) -> Project:
    """The department's framework agreement (date and PDF) and the pilot's dates."""
    side = require_department_part(actor, project)
    if starts_on and ends_on and starts_on > ends_on:
        raise DomainError(_("The end date must not be before the start date."))
    if project.status is S.RUNNING and (agreement_date is None or starts_on is None):
        raise DomainError(_("A running project keeps its agreement date and start date."))
    project.agreement_date, project.starts_on, project.ends_on = agreement_date, starts_on, ends_on
    if agreement_file and agreement_file[1]:
        stream, filename = agreement_file
        project.agreement_attachment = store_pdf(stream, filename, actor, project.department_org_id)
    save(project)
    changed(project, actor, side, "agreement", "project_agreement")
    return project


def update_final_report(
    project: Project, actor, final_report: str, report_file: File | None = None
) -> Project:
    """The provider's final report, with an optional PDF."""
    side = require_provider_part(actor, project)
    project.final_report = clean_text(final_report, _("The final report"))
    if report_file and report_file[1]:
        stream, filename = report_file
        project.final_report_attachment = store_pdf(
            stream, filename, actor, project.provider_org_id
        )
    save(project)
    changed(project, actor, side, "final_report", "project_final_report")
    return project
