"""Managers' pages: the reviewer panel (coordinators), the ranking, decisions and announce."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.calls.services import get_call_or_404
from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.evaluation import decisions, ranking, services
from matchmaker.evaluation.forms import ActionForm, AssignReviewersForm, DecisionForm
from matchmaker.evaluation.models import AssignmentStatus, ReviewerAssignment
from matchmaker.evaluation.views import bp
from matchmaker.extensions import db
from matchmaker.proposals.services import get_proposal_or_404


def _user():
    return current_user._get_current_object()


def _staff_call(call_id: int):
    call = get_call_or_404(call_id)
    user = _user()
    if not user.is_staff or not user.is_approved:
        raise NotAllowed(_("Only coordinators assign reviewers."))
    return call


def _managed_call(call_id: int):
    call = get_call_or_404(call_id)
    if not decisions.can_decide(_user(), call):
        raise NotAllowed(_("Only coordinators and the call's department see the evaluation."))
    return call


# ---- the panel ------------------------------------------------------------------------------


def render_panel(call, form=None, *, error: str | None = None, status: int = 200):
    assignments = services.panel(call)
    active = {a.reviewer_id for a in assignments if a.status is not AssignmentStatus.REMOVED}
    form = form or AssignReviewersForm(formdata=None)
    form.reviewers.choices = [
        (u.id, f"{u.name} <{u.email}>") for u in services.eligible_reviewers() if u.id not in active
    ]
    return (
        render_template(
            "evaluation/reviewers.html",
            call=call,
            assignments=assignments,
            form=form,
            action_form=ActionForm(formdata=None),
            error=error,
            assignment_label=services.assignment_status_label,
        ),
        status,
    )


@bp.get("/calls/<int:call_id>/reviewers")
@login_required
def reviewers(call_id: int):
    return render_panel(_staff_call(call_id))


@bp.post("/calls/<int:call_id>/reviewers")
@login_required
def assign_reviewers(call_id: int):
    call = _staff_call(call_id)
    form = AssignReviewersForm()
    form.reviewers.choices = [(u.id, u.name) for u in services.eligible_reviewers()]
    if not form.validate_on_submit():
        return render_panel(call, form, status=422)
    try:
        changed = services.assign_reviewers(call, form.reviewers.data, _user())
    except DomainError as exc:
        db.session.rollback()
        return render_panel(call, form, error=exc.message, status=exc.status_code)
    flash(_("%(n)d reviewer(s) assigned.", n=changed), "success")
    return redirect(url_for(".reviewers", call_id=call.id))


@bp.post("/calls/<int:call_id>/reviewers/<int:assignment_id>/remove")
@login_required
def remove_reviewer(call_id: int, assignment_id: int):
    call = _staff_call(call_id)
    assignment = db.session.get(ReviewerAssignment, assignment_id)
    if assignment is None or assignment.call_id != call.id:
        abort(404)
    try:
        services.remove_reviewer(assignment, _user())
    except DomainError as exc:
        db.session.rollback()
        return render_panel(call, error=exc.message, status=exc.status_code)
    flash(_("The reviewer was removed from the panel."), "success")
    return redirect(url_for(".reviewers", call_id=call.id))


# ---- ranking, decisions, announce -----------------------------------------------------------


def render_evaluation(call, *, failed=None, error: str | None = None, status: int = 200):
    """The ranking page; `failed` is (proposal id, form) to show a refused decision form."""
    ranked = ranking.rank_call(call)
    forms = {}
    for item in ranked:
        form = DecisionForm(formdata=None, prefix=f"p{item.proposal.id}")
        form.version.data = str(item.proposal.version)
        forms[item.proposal.id] = form
    if failed is not None:
        forms[failed[0]] = failed[1]
    choices = {i.proposal.id: decisions.decision_choices(i.proposal) for i in ranked}
    for proposal_id, form in forms.items():
        labels = decisions.DECISION_LABELS
        form.decision.choices = [(d.value, labels[d]) for d in choices.get(proposal_id, [])]
    return (
        render_template(
            "evaluation/evaluation.html",
            call=call,
            ranked=ranked,
            chart=ranking.chart(ranked),
            criteria=call.criteria,
            forms=forms,
            choices=choices,
            undecided=decisions.undecided(call),
            panel=[a for a in services.panel(call) if a.status is not AssignmentStatus.REMOVED],
            action_form=ActionForm(formdata=None),
            large_spread=ranking.LARGE_SPREAD,
            error=error,
        ),
        status,
    )


@bp.get("/calls/<int:call_id>/evaluation")
@login_required
def evaluation(call_id: int):
    return render_evaluation(_managed_call(call_id))


@bp.post("/calls/<int:call_id>/evaluation/proposals/<int:proposal_id>/decision")
@login_required
def decide(call_id: int, proposal_id: int):
    call = _managed_call(call_id)
    proposal = get_proposal_or_404(proposal_id)
    if proposal.call_id != call.id or proposal.status not in services.REVIEWABLE:
        abort(404)
    form = DecisionForm(prefix=f"p{proposal.id}")
    if not form.validate_on_submit():
        return render_evaluation(call, failed=(proposal.id, form), status=422)
    decision, reason, version = form.to_decision()
    try:
        decisions.decide(proposal, decision, reason, _user(), version)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(exc.message)
        return render_evaluation(
            call, failed=(proposal.id, form), error=exc.message, status=exc.status_code
        )
    flash(_("Decision recorded for “%(title)s”.", title=proposal.title), "success")
    return redirect(url_for(".evaluation", call_id=call.id, _anchor=f"proposal-{proposal.id}"))


@bp.post("/calls/<int:call_id>/evaluation/announce")
@login_required
def announce(call_id: int):
    call = _managed_call(call_id)
    try:
        told = decisions.announce(call, _user())
    except DomainError as exc:
        db.session.rollback()
        return render_evaluation(call, error=exc.message, status=exc.status_code)
    flash(_("Results announced; %(n)d applicant(s) were notified.", n=told), "success")
    return redirect(url_for(".evaluation", call_id=call.id))
