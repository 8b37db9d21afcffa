"""Needs pages: public list and detail, department editing, workflow buttons, review queue."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from matchmaker.accounts.models import Organization, OrgKind
from matchmaker.common import taxonomy
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.common.listing import parse_page
from matchmaker.extensions import db
from matchmaker.matching.views import need_section
from matchmaker.needs import queries, revisions, services
from matchmaker.needs.forms import (
    MAX_DB_ID,
    ActionForm,
    EditNeedForm,
    RequestChangesForm,
    need_form,
    parse_filters,
)
from matchmaker.needs.models import Need, NeedRevision, NeedStatus

bp = Blueprint("needs", __name__)

ACTION_ROUTES = {
    "submit": ("submit", _l("The need was submitted for review.")),
    "approve": ("approve", _l("The need is now published.")),
    "request_changes": ("request-changes", _l("Edits were requested from the department.")),
    "close": ("close", _l("The need is closed.")),
    "archive": ("archive", _l("The need is archived.")),
}


def _user():
    """The signed-in user as a plain object, or the anonymous user."""
    return current_user._get_current_object()


def _locale() -> str:
    return str(get_locale() or "ja")


def _per_page() -> int:
    return int(current_app.config["MATCHMAKER_PAGE_SIZE"])


def load_visible_need(need_id: int) -> Need:
    """404 for unknown ids and for needs the reader may not see (no leak of existence)."""
    need = db.session.get(Need, need_id) if need_id <= MAX_DB_ID else None
    if need is None or not services.can_view(_user(), need):
        abort(404)
    return need


@bp.get("/needs")
def list_needs():
    statuses = queries.listable_statuses(_user())
    filters = parse_filters(request.args, statuses)
    page = queries.search_needs(filters, parse_page(request.args.get("page")), _per_page())
    departments = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrgKind.DEPARTMENT)
        .order_by(Organization.name)
    ).all()
    locale = _locale()
    return render_template(
        "needs/list.html",
        page=page,
        filters=filters,
        statuses=statuses,
        departments=departments,
        areas=taxonomy.choices(taxonomy.POLICY_AREAS, locale),
        languages=taxonomy.choices(taxonomy.LANGUAGES, locale),
        can_create=services.can_create(_user()),
    )


@bp.get("/needs/review")
@login_required
def review_queue():
    if not current_user.is_staff:
        raise NotAllowed(_("Only coordinators and administrators review needs."))
    page = queries.review_queue(parse_page(request.args.get("page")), _per_page())
    return render_template(
        "needs/review.html", page=page, pending_revisions=revisions.pending_revisions()
    )


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new_need():
    user = _user()
    if not services.can_create(user):
        raise NotAllowed(_("Only department staff can post needs."))
    form = need_form(_locale())
    if form.validate_on_submit():
        try:
            need = services.create_need(user, form.to_data())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            flash(_("Draft saved. Submit it for review when it is ready."), "success")
            return redirect(url_for(".show_need", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None)


@bp.get("/needs/<int:need_id>")
def show_need(need_id: int):
    return render_detail(load_visible_need(need_id))


def render_detail(
    need: Need,
    *,
    status: int = 200,
    error: str | None = None,
    comment_form: RequestChangesForm | None = None,
):
    """The detail page; buttons come from the same check the POST handlers run."""
    user = _user()
    locale = _locale()
    owner = user.is_authenticated and user.belongs_to(need.organization_id)
    page = render_template(
        "needs/detail.html",
        need=need,
        actions=services.allowed_actions(user, need),
        can_edit=services.is_allowed(user, need, "edit"),
        action_labels=services.ACTION_LABELS,
        budget=queries.format_budget(need),
        show_translation=locale != need.language,
        translated=locale != need.language
        and bool(need.title_translated or need.summary_translated),
        # only the owner org and staff can see a need whose edits were requested
        show_review_comment=need.status is NeedStatus.CHANGES_REQUESTED
        and bool(need.review_comment),
        awaiting_approval=owner and not user.is_approved and need.status is NeedStatus.DRAFT,
        error=error,
        comment_form=comment_form or RequestChangesForm(formdata=None),
        matches=need_section(user, need, request.args),
        **revision_context(user, need),
    )
    return page, status


REVISION_FIELDS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "problem": _l("Problem and background"),
    "desired_outcome": _l("Desired outcome"),
    "constraints": _l("Constraints"),
    "policy_areas": _l("Policy areas"),
    "sdg_goals": _l("SDG goals"),
    "budget_min": _l("Budget from (JPY)"),
    "budget_max": _l("Budget up to (JPY)"),
    "demo_site": _l("Expected demonstration site"),
    "timeline": _l("Timeline"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail address"),
    "language": _l("Language of this need"),
    "title_translated": _l("Title in the other language"),
    "summary_translated": _l("Summary in the other language"),
    "min_trl": _l("Minimum technology readiness level (TRL 1–9)"),
}


def revision_changes(need: Need, revision: NeedRevision) -> list[tuple[str, object, object]]:
    """(label, published value, proposed value) for each field the revision changes."""
    changes = []
    for name, label in REVISION_FIELDS.items():
        old, new = getattr(need, name), revision.data.get(name)
        if isinstance(old, list):
            old, new = sorted(old), sorted(new or [])
        if (old or None) != (new or None):
            changes.append((str(label), old, new))
    return changes


def revision_context(user, need: Need) -> dict:
    """Calls on the need, whether the reader may open one, and a pending revision to decide."""
    from matchmaker.calls.queries import calls_for_need
    from matchmaker.calls.services import can_open_call

    context = {
        "need_calls": calls_for_need(user, need),
        "can_open_call": can_open_call(user, need),
        "revision": None,
        "revision_changes": [],
        "can_decide_revision": False,
    }
    owner = user.is_authenticated and user.belongs_to(need.organization_id)
    if owner or (user.is_authenticated and user.is_staff):
        revision = revisions.pending_revision(need)
        if revision is not None:
            context["revision"] = revision
            context["revision_changes"] = revision_changes(need, revision)
            context["can_decide_revision"] = user.is_staff and user.is_approved
    return context


@bp.route("/needs/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit_need(need_id: int):
    need = load_visible_need(need_id)
    user = _user()
    services.check_action(user, need, "edit")
    if request.method == "POST":
        form = need_form(_locale(), EditNeedForm)
    else:
        form = need_form(_locale(), EditNeedForm, obj=need)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_need(user, need, form.to_data(), form.expected_version())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status_code if isinstance(exc, Conflict) else 200
        else:
            if need.status is NeedStatus.PUBLISHED and revisions.pending_revision(need):
                flash(
                    _(
                        "Your edit waits for a coordinator's approval because this need has "
                        "an active call. The published text stays visible until then."
                    ),
                    "success",
                )
            elif need.status is NeedStatus.IN_REVIEW:
                flash(_("Saved. The need is in review; a coordinator will check it."), "success")
            else:
                flash(_("Saved."), "success")
            return redirect(url_for(".show_need", need_id=need.id))
    active_call = need.status is NeedStatus.PUBLISHED and revisions.has_active_call(need.id)
    return render_template("needs/form.html", form=form, need=need, active_call=active_call), status


def _action_view(action: str, done_message):
    @login_required
    def view(need_id: int):
        need = load_visible_need(need_id)
        form = RequestChangesForm() if action == "request_changes" else ActionForm()
        comment_form = form if isinstance(form, RequestChangesForm) else None
        if not form.validate_on_submit():
            errors = [e for errs in form.errors.values() for e in errs]
            return render_detail(
                need, status=400, error=" ".join(map(str, errors)), comment_form=comment_form
            )
        try:
            services.perform_action(
                _user(),
                need,
                action,
                version=form.expected_version(),
                comment=comment_form.comment.data if comment_form else None,
            )
        except DomainError as exc:
            db.session.rollback()
            return render_detail(
                need, status=exc.status_code, error=exc.message, comment_form=comment_form
            )
        flash(str(done_message), "success")
        return redirect(url_for(".show_need", need_id=need.id))

    view.__name__ = f"{action}_need"
    return view


for _action, (_slug, _message) in ACTION_ROUTES.items():
    bp.add_url_rule(
        f"/needs/<int:need_id>/{_slug}",
        endpoint=_action,
        view_func=_action_view(_action, _message),
        methods=["POST"],
    )


def _load_revision(need_id: int, revision_id: int) -> tuple[Need, NeedRevision]:
    need = load_visible_need(need_id)
    revision = db.session.get(NeedRevision, revision_id) if revision_id <= MAX_DB_ID else None
    if revision is None or revision.need_id != need.id:
        abort(404)
    return need, revision


@bp.post("/needs/<int:need_id>/revisions/<int:revision_id>/approve")
@login_required
def approve_revision(need_id: int, revision_id: int):
    need, revision = _load_revision(need_id, revision_id)
    if not ActionForm().validate_on_submit():
        return render_detail(need, status=400, error=_("The form expired; try again."))
    try:
        revisions.approve_revision(_user(), revision)
    except DomainError as exc:
        db.session.rollback()
        return render_detail(need, status=exc.status_code, error=exc.message)
    flash(
        _("The revision is approved and published; followers and applicants are told."), "success"
    )
    return redirect(url_for(".show_need", need_id=need.id))


@bp.post("/needs/<int:need_id>/revisions/<int:revision_id>/reject")
@login_required
def reject_revision(need_id: int, revision_id: int):
    need, revision = _load_revision(need_id, revision_id)
    form = RequestChangesForm()
    if not form.validate_on_submit():
        return render_detail(
            need,
            status=400,
            error=_("Explain why the revision is rejected; the comment is required."),
        )
    try:
        revisions.reject_revision(_user(), revision, form.comment.data)
    except DomainError as exc:
        db.session.rollback()
        return render_detail(need, status=exc.status_code, error=exc.message)
    flash(_("The revision is rejected; the published text is unchanged."), "success")
    return redirect(url_for(".show_need", need_id=need.id))
