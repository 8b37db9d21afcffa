"""Milestones, KPIs and progress updates: the department defines, the provider reports."""

from __future__ import annotations

import math
from datetime import date

from flask import abort
from flask_babel import gettext as _

from matchmaker.common.errors import Conflict, DomainError
from matchmaker.projects.models import (
    Kpi,
    KpiDirection,
    Milestone,
    MilestoneStatus,
    ProgressAttachment,
    ProgressUpdate,
    Project,
)
from matchmaker.projects.services import (
    File,
    changed,
    clean_text,
    require_department_part,
    require_provider_part,
    save,
)
from matchmaker.uploads.models import Attachment
from matchmaker.uploads.services import store_pdf, store_pdfs

MAX_UPDATE_FILES = 5
MAX_MILESTONES = 50
MAX_KPIS = 30


def find_milestone(project: Project, milestone_id: int) -> Milestone:
    for milestone in project.milestones:
        if milestone.id == milestone_id:
            return milestone
    abort(404)


def find_kpi(project: Project, kpi_id: int) -> Kpi:
    for kpi in project.kpis:
        if kpi.id == kpi_id:
            return kpi
    abort(404)


def _title(title: str) -> str:
    title = clean_text(title, _("The title"), 200)
    if not title:
        raise DomainError(_("The title is required."))
    return title


def save_milestone(
    project: Project, actor, title: str, due_on: date, milestone: Milestone | None = None
) -> Milestone:
    """Add (milestone=None) or edit a milestone's title and due date."""
    side = require_department_part(actor, project)
    if due_on is None:
        raise DomainError(_("Give the due date."))
    if milestone is None:
        if len(project.milestones) >= MAX_MILESTONES:
            raise DomainError(_("A project may have at most %(n)d milestones.", n=MAX_MILESTONES))
        milestone = Milestone(title=_title(title), due_on=due_on)
        project.milestones.append(milestone)
    else:
        milestone.title, milestone.due_on = _title(title), due_on
    save(project)
    changed(project, actor, side, "milestones", "project_milestone_save", milestone=milestone.id)
    return milestone


def remove_milestone(project: Project, actor, milestone: Milestone) -> None:
    side = require_department_part(actor, project)
    project.milestones.remove(milestone)
    save(project)
    changed(project, actor, side, "milestones", "project_milestone_remove", title=milestone.title)


def report_milestone(
    project: Project,
    actor,
    milestone: Milestone,
    status: MilestoneStatus,
    evidence: str,
    completed_on: date | None,
    evidence_file: File | None = None,
) -> Milestone:
    """The provider's report on a milestone: status, evidence text and an optional PDF."""
    side = require_provider_part(actor, project)
    status = MilestoneStatus(status)
    if status is MilestoneStatus.DONE and completed_on is None:
        raise DomainError(_("Give the date the milestone was reached."))
    milestone.status = status
    milestone.evidence = clean_text(evidence, _("The evidence"))
    milestone.completed_on = completed_on if status is MilestoneStatus.DONE else None
    if evidence_file and evidence_file[1]:
        stream, filename = evidence_file
        milestone.evidence_attachment = store_pdf(stream, filename, actor, project.provider_org_id)
    save(project)
    changed(
        project,
        actor,
        side,
        "milestone_report",
        "project_milestone_report",
        milestone=milestone.id,
        status=status,
    )
    return milestone


def _number(value, label: str, required: bool) -> float | None:
    if value is None:
        if required:
            raise DomainError(_("%(field)s is required.", field=label))
        return None
    value = float(value)
    if not math.isfinite(value) or abs(value) > 1e15:
        raise DomainError(_("%(field)s must be a finite number.", field=label))
    return value


def save_kpi(
    project: Project,
    actor,
    name: str,
    unit: str,
    direction: KpiDirection,
    baseline: float | None,
    target: float,
    kpi: Kpi | None = None,
) -> Kpi:
    """Add (kpi=None) or edit a KPI definition; names are unique within a project."""
    side = require_department_part(actor, project)
    name = clean_text(name, _("The name"), 200)
    if not name:
        raise DomainError(_("The name is required."))
    if any(k.name == name and k is not kpi for k in project.kpis):
        raise Conflict(_("This project already has a KPI named “%(name)s”.", name=name))
    values = {
        "name": name,
        "unit": clean_text(unit, _("The unit"), 40),
        "direction": KpiDirection(direction),
        "baseline": _number(baseline, _("The baseline"), required=False),
        "target": _number(target, _("The target"), required=True),
    }
    if kpi is None:
        if len(project.kpis) >= MAX_KPIS:
            raise DomainError(_("A project may have at most %(n)d KPIs.", n=MAX_KPIS))
        kpi = Kpi(**values)
        project.kpis.append(kpi)
    else:
        for key, value in values.items():
            setattr(kpi, key, value)
    save(project)
    changed(project, actor, side, "kpis", "project_kpi_save", kpi=kpi.id, name=name)
    return kpi


def remove_kpi(project: Project, actor, kpi: Kpi) -> None:
    side = require_department_part(actor, project)
    project.kpis.remove(kpi)
    save(project)
    changed(project, actor, side, "kpis", "project_kpi_remove", name=kpi.name)


def record_kpi_actual(
    project: Project, actor, kpi: Kpi, actual: float, measured_on: date | None
) -> Kpi:
    """The provider's measured value of a KPI and the day it was measured."""
    side = require_provider_part(actor, project)
    if measured_on is None:
        raise DomainError(_("Give the date of the measurement."))
    kpi.actual = _number(actual, _("The measured value"), required=True)
    kpi.measured_on = measured_on
    save(project)
    changed(project, actor, side, "kpi_actual", "project_kpi_actual", kpi=kpi.id, actual=kpi.actual)
    return kpi


def add_update(project: Project, actor, body: str, files: list[File]) -> ProgressUpdate:
    """A progress update with up to MAX_UPDATE_FILES PDFs: every file is stored, or none."""
    side = require_provider_part(actor, project)
    body = clean_text(body, _("The update"))
    if not body:
        raise DomainError(_("Write the update."))
    files = [f for f in files if f[1]]
    if len(files) > MAX_UPDATE_FILES:
        raise DomainError(_("An update may have at most %(n)d files.", n=MAX_UPDATE_FILES))
    stored = store_pdfs(files, actor, project.provider_org_id)
    update = ProgressUpdate(
        author_id=actor.id,
        body=body,
        attachments=[ProgressAttachment(attachment=a) for a in stored],
    )
    project.updates.append(update)
    save(project)
    changed(project, actor, side, "update", "project_update_add", files=len(stored))
    return update


def project_attachment(project: Project, attachment_id: int) -> Attachment:
    """One of the project's files (agreement, final report, evidence, update), or 404."""
    candidates = [project.agreement_attachment, project.final_report_attachment]
    candidates += [m.evidence_attachment for m in project.milestones]
    candidates += [item.attachment for u in project.updates for item in u.attachments]
    for attachment in candidates:
        if attachment is not None and attachment.id == attachment_id:
            return attachment
    abort(404)
