"""Reviewer pages: my reviews, one call's panel work, conflicts and the scoring form."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.accounts.models import Role
from matchmaker.calls.services import get_call_or_404
from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.evaluation import conflicts, scoring, services
from matchmaker.evaluation.forms import ActionForm, ConflictForm, score_form
from matchmaker.extensions import db
from matchmaker.proposals.services import get_proposal_or_404

bp = Blueprint("evaluation", __name__)


def _user():
    return current_user._get_current_object()


def _assignment_or_404(call):
    assignment = services.active_assignment(_user(), call.id)
    if assignment is None:
        abort(404)
    return assignment


def _reviewable_or_404(proposal_id: int):
    """404 unless this reviewer may review the proposal: a conflict hides it entirely."""
    proposal = get_proposal_or_404(proposal_id)
    if not services.can_review(_user(), proposal):
        abort(404)
    return proposal


@bp.get("/reviews")
@login_required
def my_reviews():
    user = _user()
    if user.role is not Role.REVIEWER:
        raise NotAllowed(_("This page is for reviewers."))
    rows = []
    for assignment in services.my_assignments(user):
        pending, done = services.review_progress(user, assignment.call)
        rows.append((assignment, pending, done))
    return render_template(
        "evaluation/my_reviews.html", rows=rows, assignment_label=services.assignment_status_label
    )


def render_call(call, *, conflict_form=None, error: str | None = None, status: int = 200):
    user = _user()
    assignment = _assignment_or_404(call)
    pending, done = services.review_progress(user, call)
    declared = conflicts.declared_conflicts(user, call)
    declared_ids = {c.organization_id for c in declared}
    choices = [
        (org.id, org.name)
        for org in conflicts.applicant_organizations(call)
        if org.id not in declared_ids and not user.belongs_to(org.id)
    ]
    form = conflict_form or ConflictForm(formdata=None)
    form.organization.choices = choices
    return (
        render_template(
            "evaluation/call.html",
            call=call,
            assignment=assignment,
            pending=pending,
            done=done,
            conflicts=declared,
            conflict_form=form,
            action_form=ActionForm(formdata=None),
            error=error,
            assignment_label=services.assignment_status_label,
            action_labels=services.ASSIGNMENT_ACTION_LABELS,
            can_complete=assignment.status.value == "assigned",
            under_evaluation=call.status.value == "under_evaluation",
        ),
        status,
    )


@bp.get("/reviews/calls/<int:call_id>")
@login_required
def review_call(call_id: int):
    return render_call(get_call_or_404(call_id))


@bp.post("/reviews/calls/<int:call_id>/conflicts")
@login_required
def declare_conflict(call_id: int):
    call = get_call_or_404(call_id)
    _assignment_or_404(call)
    form = ConflictForm()
    form.organization.choices = [(o.id, o.name) for o in conflicts.applicant_organizations(call)]
    if not form.validate_on_submit():
        return render_call(call, conflict_form=form, status=422)
    try:
        conflicts.declare_conflict(_user(), call, form.organization.data, form.reason.data)
    except DomainError as exc:
        db.session.rollback()
        return render_call(call, conflict_form=form, error=exc.message, status=exc.status_code)
    flash(_("Conflict of interest recorded: that proposal is no longer shown to you."), "success")
    return redirect(url_for(".review_call", call_id=call.id))


def _assignment_step(call_id: int, step, message: str):
    call = get_call_or_404(call_id)
    assignment = _assignment_or_404(call)
    try:
        step(assignment, _user())
    except DomainError as exc:
        db.session.rollback()
        return render_call(call, error=exc.message, status=exc.status_code)
    flash(message, "success")
    return redirect(url_for(".review_call", call_id=call.id))


@bp.post("/reviews/calls/<int:call_id>/done")
@login_required
def complete_review(call_id: int):
    return _assignment_step(
        call_id, services.complete_review, _("Your review is marked as done. Thank you.")
    )


@bp.post("/reviews/calls/<int:call_id>/reopen")
@login_required
def reopen_review(call_id: int):
    return _assignment_step(call_id, services.reopen_review, _("Your review is open again."))


@bp.route("/reviews/proposals/<int:proposal_id>", methods=["GET", "POST"])
@login_required
def score_proposal(proposal_id: int):
    user = _user()
    proposal = _reviewable_or_404(proposal_id)
    existing = scoring.my_scores(user, proposal)
    form = score_form(proposal.call.criteria, existing)
    error, status = None, 200
    if form.is_submitted():
        if not scoring.is_scoring_open(proposal):
            error, status = scoring.scoring_closed_message(proposal), 409
        elif not form.validate():
            error, status = _("Check the scores and comments below; nothing was saved."), 422
        else:
            try:
                scoring.save_scores(user, proposal, form.to_scores())
            except DomainError as exc:
                db.session.rollback()
                error, status = exc.message, exc.status_code
            else:
                flash(_("Your scores were saved."), "success")
                return redirect(url_for(".review_call", call_id=proposal.call_id))
    return (
        render_template(
            "evaluation/score.html",
            proposal=proposal,
            call=proposal.call,
            form=form,
            error=error,
            scoring_open=scoring.is_scoring_open(proposal),
            closed_message=scoring.scoring_closed_message(proposal),
            has_scores=bool(existing),
        ),
        status,
    )


from matchmaker.evaluation import manage_views  # noqa: E402, F401  (the managers' routes)
