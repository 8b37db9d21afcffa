"""Project pages: the list, the project page, starting a project, status changes,
publication, progress updates and file downloads (the edit forms live in form_views)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.labels import kpi_direction_label, status_label
from matchmaker.common.timezone import format_tokyo
from matchmaker.extensions import db
from matchmaker.projects import access, parts, publication, services
from matchmaker.projects.forms import ActionForm, DecisionForm, ProgressUpdateForm
from matchmaker.projects.models import ProjectStatus
from matchmaker.proposals.access import can_view_proposal, get_proposal_or_404
from matchmaker.uploads.services import send_attachment

bp = Blueprint("projects", __name__)

WORKFLOW_ACTIONS = ("start", "complete")


@bp.app_context_processor
def _helpers():
    """Available on every page, so proposal and evaluation pages can offer the start button."""

    def project_of(proposal):
        return access.project_for_proposal(proposal.id)

    def may_start_project(proposal):
        return access.can_start_project(current_user, proposal)

    def may_view_project(project):
        return access.can_view_project(current_user, project)

    return {
        "project_of": project_of,
        "may_start_project": may_start_project,
        "may_view_project": may_view_project,
        "kpi_direction_label": kpi_direction_label,
    }


def _to_project(project, anchor: str | None = None):
    return redirect(url_for("projects.show_project", project_id=project.id, _anchor=anchor))


@bp.route("/projects")
@login_required
def list_projects():
    return render_template("projects/list.html", projects=access.projects_for(current_user))


@bp.route("/proposals/<int:proposal_id>/project", methods=["POST"])
@login_required
def start_project(proposal_id: int):
    proposal = get_proposal_or_404(proposal_id)
    if not can_view_proposal(current_user, proposal):
        abort(404)
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form expired. Reload the page and try again."))
    project, created = services.start_project(proposal, current_user)
    if created:
        flash(_("The demonstration project was created."), "success")
    else:
        flash(_("This proposal already has a demonstration project."), "info")
    return _to_project(project)


def render_project(project, update_form=None, decision_form=None, status: int = 200):
    user = current_user
    kinds = access.actor_kinds(user, project)
    actions = [
        t
        for t in services.PROJECT_WORKFLOW.actions_from(project.status)
        if t.action in WORKFLOW_ACTIONS and t.roles & kinds
    ]
    can_provider = access.can_edit_provider_part(user, project)
    can_decide = project.status is ProjectStatus.COMPLETED and bool(
        kinds & services.DEPARTMENT_SIDE
    )
    page = render_template(
        "projects/show.html",
        project=project,
        actions=actions,
        action_labels=services.ACTION_LABELS,
        can_department=access.can_edit_department_part(user, project),
        can_provider=can_provider,
        can_result=access.can_edit_result(user, project),
        update_form=update_form or (ProgressUpdateForm() if can_provider else None),
        decision_form=decision_form or (DecisionForm() if can_decide else None),
        action_form=ActionForm(),
        format_tokyo=format_tokyo,
    )
    return page, status


@bp.route("/projects/<int:project_id>")
@login_required
def show_project(project_id: int):
    return render_project(access.load_visible_project(project_id, current_user))


def _require_action_form() -> None:
    if not ActionForm().validate_on_submit():
        raise DomainError(_("The form expired. Reload the page and try again."))


@bp.route("/projects/<int:project_id>/<any(start,complete):action>", methods=["POST"])
@login_required
def change_status(project_id: int, action: str):
    project = access.load_visible_project(project_id, current_user)
    _require_action_form()
    done = {"start": ProjectStatus.RUNNING, "complete": ProjectStatus.COMPLETED}
    if project.status is done[action]:  # a double click: the first request did it
        flash(_("The project is already “%(status)s”.", status=status_label(project.status)))
        return _to_project(project)
    services.transition(project, action, current_user)
    flash(_("The project is now “%(status)s”.", status=status_label(project.status)), "success")
    return _to_project(project)


@bp.route("/projects/<int:project_id>/decision", methods=["POST"])
@login_required
def decide(project_id: int):
    project = access.load_visible_project(project_id, current_user)
    form = DecisionForm()
    if not form.validate_on_submit():
        services.acting_side(current_user, project, services.DEPARTMENT_SIDE)
        services.PROJECT_WORKFLOW.check("adopt", project.status)
        return render_project(project, decision_form=form, status=422)
    services.transition(project, form.decision.data, current_user, reason=form.reason.data)
    flash(_("The adoption decision was recorded."), "success")
    return _to_project(project)


@bp.route("/projects/<int:project_id>/<any(publish,unpublish):action>", methods=["POST"])
@login_required
def change_publication(project_id: int, action: str):
    project = access.load_visible_project(project_id, current_user)
    _require_action_form()
    publication.set_published(project, current_user, action == "publish")
    if action == "publish":
        flash(_("The result is published on the results pages."), "success")
    else:
        flash(_("The result is no longer public."), "success")
    return _to_project(project, "result")


@bp.route("/projects/<int:project_id>/updates", methods=["POST"])
@login_required
def add_update(project_id: int):
    project = access.load_visible_project(project_id, current_user)
    services.require_provider_part(current_user, project)
    form = ProgressUpdateForm()
    if not form.validate_on_submit():
        return render_project(project, update_form=form, status=422)
    files = [(f.stream, f.filename) for f in request.files.getlist("files") if f]
    try:
        parts.add_update(project, current_user, form.body.data, files)
    except DomainError as exc:
        if isinstance(exc, NotAllowed | IllegalTransition):
            raise
        db.session.rollback()
        form.form_errors.append(exc.message)
        return render_project(project, update_form=form, status=exc.status_code)
    flash(_("The progress update was posted."), "success")
    return _to_project(project, "updates")


@bp.route("/projects/<int:project_id>/files/<int:attachment_id>")
@login_required
def download(project_id: int, attachment_id: int):
    project = access.get_project_or_404(project_id)
    if not access.can_view_project(current_user, project):
        abort(404)
    return send_attachment(parts.project_attachment(project, attachment_id))


from matchmaker.projects import form_views  # noqa: E402,F401  (registers the edit pages)
