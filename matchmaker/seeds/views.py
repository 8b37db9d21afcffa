"""Seed pages: public list and detail, the provider's form, workflow actions, "my seeds"."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
from matchmaker.common.labels import status_label
from matchmaker.common.listing import parse_page
from matchmaker.extensions import db
from matchmaker.matching.views import seed_section
from matchmaker.seeds import search, services
from matchmaker.seeds.forms import EditSeedForm, SeedForm, seed_form_data
from matchmaker.seeds.models import Seed

bp = Blueprint("seeds", __name__)

ACTION_PATTERN = "<any(" + ",".join(services.ACTIONS) + "):action>"


def _locale() -> str:
    return str(get_locale() or "ja")


def _page_size() -> int:
    return int(current_app.config["MATCHMAKER_PAGE_SIZE"])


def load_visible_seed(seed_id: int) -> Seed:
    """404 both for unknown ids and for other organizations' drafts, so existence never leaks."""
    seed = db.session.get(Seed, seed_id)
    if seed is None or not services.can_view(current_user, seed):
        abort(404)
    return seed


@bp.route("/seeds")
def list_seeds():
    filters = search.parse_filters(request.args)
    page = search.search_seeds(filters, _page_size())
    return render_template(
        "seeds/list.html",
        page=page,
        filters=filters,
        policy_areas=taxonomy.choices(taxonomy.POLICY_AREAS, _locale()),
        org_kinds=search.ORG_KINDS,
        languages=taxonomy.choices(taxonomy.LANGUAGES, _locale()),
    )


@bp.route("/seeds/mine")
@login_required
def my_seeds():
    if not services.can_create(current_user):
        raise NotAllowed(_("Only solution providers have seeds."))
    page = search.organization_seeds(
        current_user.organization_id, parse_page(request.args.get("page")), _page_size()
    )
    return render_template("seeds/mine.html", page=page)


@bp.route("/seeds/new", methods=["GET", "POST"])
@login_required
def new_seed():
    if not services.can_create(current_user):
        raise NotAllowed(_("Only solution providers can register seeds."))
    form = SeedForm()
    if request.method == "GET":
        form.language.data = _locale()
    if form.validate_on_submit():
        try:
            seed = services.create_seed(current_user, form.to_data())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            flash(_("Your seed was saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("seeds.show_seed", seed_id=seed.id))
    return render_template("seeds/form.html", form=form, seed=None)


@bp.route("/seeds/<int:seed_id>")
def show_seed(seed_id: int):
    seed = load_visible_seed(seed_id)
    translated = _locale() != seed.language and bool(
        seed.title_translated or seed.summary_translated
    )
    return render_template(
        "seeds/show.html",
        seed=seed,
        translated=translated,
        actions=services.allowed_actions(current_user, seed),
        can_edit=services.can_edit(current_user, seed),
        is_member=bool(
            current_user.is_authenticated and current_user.belongs_to(seed.organization_id)
        ),
        action_labels=services.ACTION_LABELS,
        trl_label=services.trl_label,
        matches=seed_section(current_user, seed, request.args),
    )


@bp.route("/seeds/<int:seed_id>/edit", methods=["GET", "POST"])
@login_required
def edit_seed(seed_id: int):
    seed = load_visible_seed(seed_id)
    if services.OWNER not in services.actor_kinds(current_user, seed):
        raise NotAllowed(_("Only your organization's members can edit this seed."))
    if not services.can_edit(current_user, seed):
        raise IllegalTransition(_("An archived seed cannot be edited. Restore it first."))
    form = EditSeedForm(data=seed_form_data(seed) if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_seed(seed, current_user, form.to_data(), int(form.version.data))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            return render_template("seeds/form.html", form=form, seed=seed), exc.status_code
        flash(_("Your changes were saved."), "success")
        return redirect(url_for("seeds.show_seed", seed_id=seed.id))
    return render_template("seeds/form.html", form=form, seed=seed)


@bp.route(f"/seeds/<int:seed_id>/{ACTION_PATTERN}", methods=["POST"])
@login_required
def change_status(seed_id: int, action: str):
    seed = load_visible_seed(seed_id)
    raw_version = request.form.get("version", "")
    if raw_version and not (raw_version.isascii() and raw_version.isdigit()):
        raise DomainError(_("The form is incomplete. Reload the page."))
    services.transition(seed, action, current_user, int(raw_version) if raw_version else None)
    flash(_("The seed is now “%(status)s”.", status=status_label(seed.status)), "success")
    if services.can_view(current_user, seed):
        return redirect(url_for("seeds.show_seed", seed_id=seed.id))
    return redirect(url_for("seeds.list_seeds"))
