"""The project's edit pages: agreement, milestones, KPIs, final report and public result."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.projects import access, parts, publication, services
from matchmaker.projects.forms import (
    ActionForm,
    AgreementForm,
    FinalReportForm,
    KpiActualForm,
    KpiForm,
    MilestoneForm,
    MilestoneReportForm,
    ResultForm,
    upload,
)
from matchmaker.projects.views import bp

MILESTONE = "/projects/<int:project_id>/milestones/<int:milestone_id>"


def form_page(project, form, heading: str, save: Callable[[], object], anchor: str):
    """Validate, call the service, then redirect; a refusal re-renders the form unchanged."""
    status = 200
    if form.validate_on_submit():
        try:
            save()
        except DomainError as exc:
            if isinstance(exc, NotAllowed | IllegalTransition):
                raise  # refused outright: the error page says why
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("projects.show_project", project_id=project.id, _anchor=anchor))
    elif request.method == "POST":
        status = 422
    page = render_template("projects/form.html", project=project, form=form, heading=heading)
    return page, status


def _department_project(project_id: int):
    project = access.load_visible_project(project_id, current_user)
    services.require_department_part(current_user, project)
    return project


def _provider_project(project_id: int):
    project = access.load_visible_project(project_id, current_user)
    services.require_provider_part(current_user, project)
    return project


@bp.route("/projects/<int:project_id>/agreement", methods=["GET", "POST"])
@login_required
def edit_agreement(project_id: int):
    project = _department_project(project_id)
    form = AgreementForm(obj=project if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Agreement and dates"),
        lambda: services.update_agreement(
            project,
            current_user,
            form.agreement_date.data,
            form.starts_on.data,
            form.ends_on.data,
            upload(form.agreement_file),
        ),
        "agreement",
    )


@bp.route("/projects/<int:project_id>/milestones/new", methods=["GET", "POST"])
@bp.route(f"{MILESTONE}/edit", methods=["GET", "POST"])
@login_required
def edit_milestone(project_id: int, milestone_id: int | None = None):
    project = _department_project(project_id)
    milestone = parts.find_milestone(project, milestone_id) if milestone_id else None
    form = MilestoneForm(obj=milestone if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Edit milestone") if milestone else _("Add a milestone"),
        lambda: parts.save_milestone(
            project, current_user, form.title.data, form.due_on.data, milestone
        ),
        "milestones",
    )


@bp.route(f"{MILESTONE}/delete", methods=["POST"])
@login_required
def delete_milestone(project_id: int, milestone_id: int):
    project = _department_project(project_id)
    milestone = parts.find_milestone(project, milestone_id)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form expired. Reload the page and try again."))
    parts.remove_milestone(project, current_user, milestone)
    flash(_("The milestone was removed."), "success")
    return redirect(url_for("projects.show_project", project_id=project.id, _anchor="milestones"))


@bp.route(
    "/projects/<int:project_id>/milestones/<int:milestone_id>/report", methods=["GET", "POST"]
)
@login_required
def report_milestone(project_id: int, milestone_id: int):
    project = _provider_project(project_id)
    milestone = parts.find_milestone(project, milestone_id)
    initial = {
        "status": milestone.status.value,
        "completed_on": milestone.completed_on,
        "evidence": milestone.evidence,
    }
    form = MilestoneReportForm(data=initial if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Report on the milestone “%(title)s”", title=milestone.title),
        lambda: parts.report_milestone(
            project,
            current_user,
            milestone,
            form.status.data,
            form.evidence.data,
            form.completed_on.data,
            upload(form.evidence_file),
        ),
        "milestones",
    )


@bp.route("/projects/<int:project_id>/kpis/new", methods=["GET", "POST"])
@bp.route("/projects/<int:project_id>/kpis/<int:kpi_id>/edit", methods=["GET", "POST"])
@login_required
def edit_kpi(project_id: int, kpi_id: int | None = None):
    project = _department_project(project_id)
    kpi = parts.find_kpi(project, kpi_id) if kpi_id else None
    initial = None
    if kpi is not None and request.method == "GET":
        initial = {
            "name": kpi.name,
            "unit": kpi.unit,
            "direction": kpi.direction.value,
            "baseline": kpi.baseline,
            "target": kpi.target,
        }
    form = KpiForm(data=initial)
    return form_page(
        project,
        form,
        _("Edit KPI") if kpi else _("Add a KPI"),
        lambda: parts.save_kpi(
            project,
            current_user,
            form.name.data,
            form.unit.data,
            form.direction.data,
            form.baseline.data,
            form.target.data,
            kpi,
        ),
        "kpis",
    )


@bp.route("/projects/<int:project_id>/kpis/<int:kpi_id>/delete", methods=["POST"])
@login_required
def delete_kpi(project_id: int, kpi_id: int):
    project = _department_project(project_id)
    kpi = parts.find_kpi(project, kpi_id)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form expired. Reload the page and try again."))
    parts.remove_kpi(project, current_user, kpi)
    flash(_("The KPI was removed."), "success")
    return redirect(url_for("projects.show_project", project_id=project.id, _anchor="kpis"))


@bp.route("/projects/<int:project_id>/kpis/<int:kpi_id>/actual", methods=["GET", "POST"])
@login_required
def record_actual(project_id: int, kpi_id: int):
    project = _provider_project(project_id)
    kpi = parts.find_kpi(project, kpi_id)
    initial = {"actual": kpi.actual, "measured_on": kpi.measured_on}
    form = KpiActualForm(data=initial if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Measured value of “%(name)s”", name=kpi.name),
        lambda: parts.record_kpi_actual(
            project, current_user, kpi, form.actual.data, form.measured_on.data
        ),
        "kpis",
    )


@bp.route("/projects/<int:project_id>/final-report", methods=["GET", "POST"])
@login_required
def edit_final_report(project_id: int):
    project = _provider_project(project_id)
    form = FinalReportForm(obj=project if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Final report"),
        lambda: services.update_final_report(
            project, current_user, form.final_report.data, upload(form.report_file)
        ),
        "final-report",
    )


@bp.route("/projects/<int:project_id>/result", methods=["GET", "POST"])
@login_required
def edit_result(project_id: int):
    project = access.load_visible_project(project_id, current_user)
    services.acting_side(current_user, project, services.DEPARTMENT_SIDE)
    form = ResultForm(obj=project if request.method == "GET" else None)
    return form_page(
        project,
        form,
        _("Public result"),
        lambda: publication.update_result(
            project,
            current_user,
            form.outcome.data,
            form.contact_name.data,
            form.contact_email.data,
        ),
        "result",
    )
