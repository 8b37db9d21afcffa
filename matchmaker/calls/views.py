"""Calls pages: public list and detail, managing a call, documents, Q&A, calls for my seeds."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from matchmaker.accounts.models import Role
from matchmaker.calls import queries, questions, services
from matchmaker.calls.forms import (
    ActionForm,
    AnswerForm,
    DocumentForm,
    QuestionForm,
    call_form,
)
from matchmaker.calls.models import Call, CallDocument
from matchmaker.common import taxonomy
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.common.listing import parse_page
from matchmaker.common.timezone import format_tokyo
from matchmaker.db import utcnow
from matchmaker.extensions import db, limiter
from matchmaker.needs.views import load_visible_need
from matchmaker.uploads.services import send_attachment

bp = Blueprint("calls", __name__)

DONE = {
    "publish": _l("The call is published."),
    "cancel": _l("The call is cancelled."),
}


@bp.app_context_processor
def _call_helpers():
    """Times in templates are shown in JST."""
    return {"format_tokyo": format_tokyo}


def _user():
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "ja")


def load_visible_call(call_id: int) -> Call:
    """404 for unknown calls and drafts the reader may not see."""
    call = services.get_call_or_404(call_id)
    if not services.can_view_call(_user(), call):
        abort(404)
    return call


def _require_manager(call: Call) -> None:
    if not services.can_manage_call(_user(), call):
        raise NotAllowed(_("Only the call's department or a coordinator can do this."))


@bp.get("/calls")
def list_calls():
    filters = queries.parse_filters(request.args)
    page = queries.search_calls(
        filters,
        parse_page(request.args.get("page")),
        int(current_app.config["MATCHMAKER_PAGE_SIZE"]),
    )
    return render_template(
        "calls/list.html",
        page=page,
        filters=filters,
        statuses=queries.LISTED,
        areas=taxonomy.choices(taxonomy.POLICY_AREAS, _locale()),
        now=utcnow(),
    )


@bp.get("/calls/manage")
@login_required
def manage_calls():
    user = _user()
    if not (user.is_staff or user.role is Role.DEPARTMENT):
        raise NotAllowed(_("Only departments and coordinators manage calls."))
    return render_template("calls/manage.html", calls=queries.managed_calls(user))


@bp.get("/calls/for-me")
@login_required
def calls_for_me():
    user = _user()
    if user.role is not Role.PROVIDER:
        raise NotAllowed(_("This page lists calls for solution providers' seeds."))
    return render_template("calls/for_me.html", entries=queries.calls_for_my_seeds(user))


@bp.route("/needs/<int:need_id>/calls/new", methods=["GET", "POST"])
@login_required
def new_call(need_id: int):
    need = load_visible_need(need_id)
    user = _user()
    if not services.can_open_call(user, need):
        raise NotAllowed(_("You cannot open a call on this need."))
    form = call_form(_locale())
    if form.validate_on_submit():
        try:
            call = services.create_call(user, need, form.to_data())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            flash(_("Draft call saved. Publish it when it is ready."), "success")
            return redirect(url_for(".show_call", call_id=call.id))
    return render_template("calls/form.html", form=form, need=need, call=None)


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
@login_required
def edit_call(call_id: int):
    call = load_visible_call(call_id)
    user = _user()
    _require_manager(call)
    services.check_call_action(user, call, "edit")
    form = call_form(_locale(), call, formdata=request.form if request.method == "POST" else None)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_call(user, call, form.to_data(), form.expected_version())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code if isinstance(exc, Conflict) else 200
        else:
            flash(_("Saved."), "success")
            return redirect(url_for(".show_call", call_id=call.id))
    return render_template("calls/form.html", form=form, need=call.need, call=call), status


@bp.get("/calls/<int:call_id>")
def show_call(call_id: int):
    return render_call(load_visible_call(call_id))


def render_call(call: Call, *, status: int = 200, error: str | None = None, **forms):
    user = _user()
    now = utcnow()
    manager = services.can_manage_call(user, call)
    page = render_template(
        "calls/show.html",
        call=call,
        now=now,
        manager=manager,
        actions=services.allowed_call_actions(user, call),
        action_labels=services.ACTION_LABELS,
        can_edit=services.is_call_action_allowed(user, call, "edit"),
        can_add_documents=manager and call.status in services.DOCUMENT_STATUSES,
        accepting=services.is_accepting_proposals(call, now),
        countdown=services.countdown(call.closes_at, now),
        opens_in=services.countdown(call.opens_at, now),
        shares=services.criterion_shares(call),
        questions=questions.visible_questions(user, call),
        can_ask=questions.can_ask(user, call),
        question_form=forms.get("question_form") or QuestionForm(formdata=None),
        document_form=forms.get("document_form") or DocumentForm(formdata=None),
        answer_form=AnswerForm(formdata=None),
        error=error,
    )
    return page, status


def _action_view(action: str):
    @login_required
    def view(call_id: int):
        call = load_visible_call(call_id)
        form = ActionForm()
        if not form.validate_on_submit():
            return render_call(call, status=400, error=_("The form expired; try again."))
        try:
            expected = form.expected_version()
            if expected is not None and expected != call.version:
                raise Conflict(_("The call changed since you loaded the page; reload it."))
            services.perform_call_action(call, action, _user())
        except DomainError as exc:
            db.session.rollback()
            return render_call(call, status=exc.status_code, error=exc.message)
        flash(str(DONE[action]), "success")
        return redirect(url_for(".show_call", call_id=call.id))

    view.__name__ = f"{action}_call"
    return view


for _action in services.BUTTON_ACTIONS:
    bp.add_url_rule(
        f"/calls/<int:call_id>/{_action}",
        endpoint=f"{_action}_call",
        view_func=_action_view(_action),
        methods=["POST"],
    )


@bp.post("/calls/<int:call_id>/documents")
@login_required
def upload_document(call_id: int):
    call = load_visible_call(call_id)
    _require_manager(call)
    form = DocumentForm()
    if not form.validate_on_submit():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return render_call(call, status=422, error=" ".join(errors), document_form=form)
    try:
        services.add_document(
            _user(), call, form.file.data.stream, form.file.data.filename, form.title.data or ""
        )
    except DomainError as exc:
        db.session.rollback()
        return render_call(call, status=exc.status_code, error=exc.message, document_form=form)
    flash(_("The document was added."), "success")
    return redirect(url_for(".show_call", call_id=call.id))


@bp.get("/calls/<int:call_id>/documents/<int:document_id>")
def download_document(call_id: int, document_id: int):
    call = load_visible_call(call_id)
    document = db.session.get(CallDocument, document_id) if document_id <= 2**31 - 1 else None
    if document is None or document.call_id != call.id:
        abort(404)
    return send_attachment(document.attachment)


def _question_limit() -> str:
    return current_app.config.get("MATCHMAKER_QUESTION_LIMIT") or "10 per hour"


def _question_key() -> str:
    return f"call-question:{current_user.get_id() or request.remote_addr}"


@bp.post("/calls/<int:call_id>/questions")
@limiter.limit(_question_limit, key_func=_question_key)
@login_required
def ask_question(call_id: int):
    call = load_visible_call(call_id)
    form = QuestionForm()
    if not form.validate_on_submit():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return render_call(call, status=422, error=" ".join(errors), question_form=form)
    try:
        questions.ask_question(_user(), call, form.body.data)
    except DomainError as exc:
        db.session.rollback()
        return render_call(call, status=exc.status_code, error=exc.message, question_form=form)
    flash(_("Your question was sent. It becomes public when the department answers it."), "success")
    return redirect(url_for(".show_call", call_id=call.id) + "#questions")


def _load_question(call_id: int, question_id: int):
    call = load_visible_call(call_id)
    question = questions.question_or_404(call, question_id)
    if question is None:
        abort(404)
    return call, question


@bp.post("/calls/<int:call_id>/questions/<int:question_id>/answer")
@login_required
def answer_question(call_id: int, question_id: int):
    call, question = _load_question(call_id, question_id)
    _require_manager(call)
    form = AnswerForm()
    if not form.validate_on_submit():
        return render_call(call, status=422, error=_("Write an answer first."))
    questions.answer_question(_user(), call, question, form.answer.data)
    flash(_("The answer is published."), "success")
    return redirect(url_for(".show_call", call_id=call.id) + f"#question-{question.id}")


@bp.post("/calls/<int:call_id>/questions/<int:question_id>/hide")
@login_required
def hide_question(call_id: int, question_id: int):
    call, question = _load_question(call_id, question_id)
    _require_manager(call)
    if not ActionForm().validate_on_submit():
        return render_call(call, status=400, error=_("The form expired; try again."))
    questions.hide_question(_user(), call, question)
    flash(_("The question is hidden."), "success")
    return redirect(url_for(".show_call", call_id=call.id) + "#questions")
