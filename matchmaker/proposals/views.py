"""Proposal pages: write, edit, submit and withdraw; attachments; "our proposals"; the
department's list of a call's submitted proposals."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from matchmaker.calls.services import can_view_call, get_call_or_404, is_accepting_proposals
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.labels import status_label
from matchmaker.common.timezone import format_tokyo
from matchmaker.extensions import db
from matchmaker.proposals import access, attachments, services
from matchmaker.proposals.forms import EditProposalForm, ProposalForm, UploadForm
from matchmaker.proposals.forms import proposal_form_data as form_data
from matchmaker.proposals.models import ProposalStatus
from matchmaker.uploads.services import send_attachment

bp = Blueprint("proposals", __name__)

ACTION_PATTERN = "<any(" + ",".join(services.APPLICANT_ACTIONS) + "):action>"


@bp.context_processor
def _helpers():
    def call_url(call):
        try:
            return url_for("calls.show_call", call_id=call.id)
        except BuildError:
            return None

    def shown_status(proposal):
        return access.status_shown_to(current_user, proposal)

    return {"format_tokyo": format_tokyo, "call_url": call_url, "shown_status": shown_status}


def _visible_call(call_id: int):
    call = get_call_or_404(call_id)
    if not can_view_call(current_user, call):
        abort(404)
    return call


def _version() -> int | None:
    raw = request.form.get("version", "")
    if raw and not (raw.isascii() and raw.isdigit() and len(raw) < 10):
        raise DomainError(_("The form is incomplete. Reload the page."))
    return int(raw) if raw else None


@bp.route("/calls/<int:call_id>/proposals/new", methods=["GET", "POST"])
@login_required
def new_proposal(call_id: int):
    call = _visible_call(call_id)
    if not access.can_propose(current_user):
        raise NotAllowed(_("Only solution providers can write proposals."))
    existing = access.organization_proposal(call.id, current_user.organization_id)
    if existing is not None:
        flash(_("Your organization already has a proposal for this call."), "info")
        return redirect(url_for("proposals.show_proposal", proposal_id=existing.id))
    services.check_accepting(call)
    form = ProposalForm(current_user.organization_id)
    if form.validate_on_submit():
        try:
            proposal, created = services.start_proposal(call, current_user, form.to_data())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            if created:
                flash(
                    _("Your proposal was saved as a draft. Submit it when it is ready."), "success"
                )
            return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, call=call, proposal=None)


@bp.route("/calls/<int:call_id>/proposals")
@login_required
def call_proposals(call_id: int):
    call = _visible_call(call_id)
    if not access.is_call_manager(current_user, call):
        raise NotAllowed(_("Only the call's department and coordinators see its proposals."))
    return render_template(
        "proposals/call_list.html", call=call, proposals=access.proposals_for_call(call)
    )


@bp.route("/proposals/mine")
@login_required
def my_proposals():
    if not access.can_propose(current_user):
        raise NotAllowed(_("Only solution providers have proposals."))
    return render_template(
        "proposals/mine.html",
        proposals=access.organization_proposals(current_user.organization_id),
        is_accepting=is_accepting_proposals,
    )


def _show(proposal, upload_errors: list[str] | None = None, status: int = 200):
    can_edit = access.can_edit_proposal(current_user, proposal)
    page = render_template(
        "proposals/show.html",
        proposal=proposal,
        is_member=access.is_member(current_user, proposal),
        can_edit=can_edit,
        actions=services.allowed_actions(current_user, proposal),
        action_labels=services.ACTION_LABELS,
        missing=services.missing_for_submission(proposal),
        upload_form=UploadForm() if can_edit else None,
        upload_errors=upload_errors or [],
    )
    return page, status


@bp.route("/proposals/<int:proposal_id>")
@login_required
def show_proposal(proposal_id: int):
    return _show(access.load_visible_proposal(proposal_id, current_user))


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit_proposal(proposal_id: int):
    proposal = access.load_visible_proposal(proposal_id, current_user)
    if services.OWNER not in access.actor_kinds(current_user, proposal):
        raise NotAllowed(_("Only your organization's members can edit this proposal."))
    if proposal.status not in access.EDITABLE_STATUSES:
        raise IllegalTransition(_("This proposal can no longer be edited."))
    services.check_accepting(proposal.call)
    initial = form_data(proposal) if request.method == "GET" else None
    form = EditProposalForm(proposal.organization_id, data=initial)
    if form.validate_on_submit():
        try:
            services.update_proposal(proposal, current_user, form.to_data(), int(form.version.data))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            page = render_template(
                "proposals/form.html", form=form, call=proposal.call, proposal=proposal
            )
            return page, exc.status_code
        flash(_("Your changes were saved."), "success")
        return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))
    return render_template("proposals/form.html", form=form, call=proposal.call, proposal=proposal)


@bp.route(f"/proposals/<int:proposal_id>/{ACTION_PATTERN}", methods=["POST"])
@login_required
def change_status(proposal_id: int, action: str):
    proposal = access.load_visible_proposal(proposal_id, current_user)
    already = {"submit": ProposalStatus.SUBMITTED, "withdraw": ProposalStatus.WITHDRAWN}
    if already.get(action) is proposal.status and services.OWNER in access.actor_kinds(
        current_user, proposal
    ):  # a double click: the first request did it
        flash(_("The proposal is already “%(status)s”.", status=status_label(proposal.status)))
        return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))
    services.transition(proposal, action, current_user, _version())
    messages = {
        "submit": _("Your proposal was submitted. You can edit it until the call closes."),
        "withdraw": _("Your proposal was withdrawn."),
        "reopen": _("Your proposal is a draft again."),
    }
    flash(messages[action], "success")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/attachments", methods=["POST"])
@login_required
def upload_attachments(proposal_id: int):
    proposal = access.load_visible_proposal(proposal_id, current_user)
    form = UploadForm()
    if not form.validate_on_submit():
        raise DomainError(_("The form expired. Reload the page and try again."))
    files = [(f.stream, f.filename) for f in request.files.getlist("files") if f]
    try:
        items = attachments.add_attachments(proposal, current_user, files)
    except DomainError as exc:
        if isinstance(exc, NotAllowed | IllegalTransition):
            raise  # refused outright: the error page says why
        db.session.rollback()
        return _show(proposal, [exc.message], exc.status_code)
    flash(_("%(n)d file(s) attached.", n=len(items)), "success")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/attachments/<int:item_id>/delete", methods=["POST"])
@login_required
def delete_attachment(proposal_id: int, item_id: int):
    proposal = access.load_visible_proposal(proposal_id, current_user)
    attachments.find_item(proposal, item_id)
    attachments.remove_attachment(proposal, item_id, current_user)
    flash(_("The attachment was deleted."), "success")
    return redirect(url_for("proposals.show_proposal", proposal_id=proposal.id))


@bp.route("/proposals/<int:proposal_id>/attachments/<int:item_id>")
@login_required
def download_attachment(proposal_id: int, item_id: int):
    proposal = access.get_proposal_or_404(proposal_id)
    if not access.can_download(current_user, proposal):
        abort(404)
    return send_attachment(attachments.find_item(proposal, item_id).attachment)
