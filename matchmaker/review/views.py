"""The review queue pages: load the need, check staff access, call the service, redirect."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.common.timezone import format_tokyo
from matchmaker.extensions import db
from matchmaker.matching.forms import parse_match_args
from matchmaker.needs.forms import MAX_DB_ID
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.review import services
from matchmaker.review.forms import STATUSES, BulkForm, DecisionForm, NoteForm, parse_status
from matchmaker.review.models import PairStatus
from matchmaker.review.queue import build_queue, ranked_signals

bp = Blueprint("review", __name__)

QUERY_KEYS = ("match", "area", "min_trl", "org_kind", "ready", "language", "diversify", "status")


def _done(action: str, titles: str) -> str:
    messages = {
        "shortlist": lambda: _("Shortlisted: %(titles)s", titles=titles),
        "dismiss": lambda: _("Dismissed: %(titles)s", titles=titles),
        "invite": lambda: _("Invited to apply: %(titles)s", titles=titles),
        "reopen": lambda: _("Reopened: %(titles)s", titles=titles),
    }
    return messages[action]()


def _user():
    return current_user._get_current_object()


def load_need(need_id: int) -> Need:
    """404 for unknown needs, 403 for everyone but staff, 404 for needs that are not published."""
    need = db.session.get(Need, need_id) if need_id <= MAX_DB_ID else None
    if need is None:
        abort(404)
    if not services.can_review(_user()):
        raise NotAllowed(_("Only coordinators and administrators review matches."))
    if need.status is not NeedStatus.PUBLISHED:
        abort(404)
    return need


def _query_args() -> dict:
    """The filters and tab of the page the form came from, to return to the same view."""
    return {k: request.args[k] for k in QUERY_KEYS if request.args.get(k)}


def _back(need: Need, seed_id: int | None = None):
    anchor = f"pair-{seed_id}" if seed_id else None
    return redirect(url_for(".queue", need_id=need.id, _anchor=anchor, **_query_args()))


def render_queue(need: Need, status_code: int = 200, error: str | None = None, **forms):
    """The queue page; the same filters as the need page's match section, plus a status tab."""
    args = parse_match_args(request.args, default_min_trl=need.min_trl)
    queue = build_queue(need, args, parse_status(request.args))
    page = render_template(
        "review/queue.html",
        queue=queue,
        error=error,
        query=_query_args(),
        statuses=STATUSES,
        status_labels={s.value: services.pair_status_label(s) for s in PairStatus},
        action_labels=services.ACTION_LABELS,
        actions_from={
            s.value: [t.action for t in services.PAIR_WORKFLOW.actions_from(s)] for s in PairStatus
        },
        bulk_form=forms.get("bulk_form") or BulkForm(formdata=None),
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        note_seed=forms.get("note_seed"),
        format_tokyo=format_tokyo,
    )
    return page, status_code


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


@bp.get("/needs/<int:need_id>/review-queue")
@login_required
def queue(need_id: int):
    return render_queue(load_need(need_id))


def _run(need: Need, action: str, choices, reason: str, seed_id: int | None = None):
    try:
        pairs = services.decide(_user(), need, action, choices, reason, ranked_signals(need))
    except DomainError as exc:
        db.session.rollback()
        return render_queue(need, exc.status_code, exc.message)
    titles = ", ".join(p.seed.title for p in pairs)
    flash(_done(action, titles), "success")
    return _back(need, seed_id)


@bp.post("/needs/<int:need_id>/review-queue/<int:seed_id>/decide")
@login_required
def decide(need_id: int, seed_id: int):
    need = load_need(need_id)
    if seed_id > MAX_DB_ID:
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        return render_queue(need, 400, _errors(form))
    return _run(need, form.action.data, [form.choice(seed_id)], form.reason.data, seed_id)


@bp.post("/needs/<int:need_id>/review-queue/bulk")
@login_required
def bulk(need_id: int):
    need = load_need(need_id)
    form = BulkForm()
    if not form.validate_on_submit():
        return render_queue(need, 400, _errors(form), bulk_form=form)
    return _run(need, form.action.data, form.choices(), form.reason.data)


@bp.post("/needs/<int:need_id>/review-queue/<int:seed_id>/notes")
@login_required
def add_note(need_id: int, seed_id: int):
    need = load_need(need_id)
    if seed_id > MAX_DB_ID:
        abort(404)
    form = NoteForm()
    if form.validate_on_submit():
        try:
            services.add_note(_user(), need, seed_id, form.body.data)
        except DomainError as exc:
            db.session.rollback()
            return render_queue(need, exc.status_code, exc.message)
        flash(_("Note saved."), "success")
        return _back(need, seed_id)
    return render_queue(need, 400, _errors(form), note_form=form, note_seed=seed_id)
