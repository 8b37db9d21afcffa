"""Administration pages: accounts, organizations and the audit log; approved admins only."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.accounts import services as accounts
from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.accounts.permissions import is_admin
from matchmaker.admin import forms, services
from matchmaker.common.errors import DomainError
from matchmaker.common.listing import parse_page
from matchmaker.common.timezone import format_tokyo
from matchmaker.extensions import db
from matchmaker.notifications.forms import OUTBOX_STATUS_LABELS
from matchmaker.notifications.mailer import list_outbox, outbox_counts, smtp_settings
from matchmaker.notifications.models import OutboxMessage, OutboxStatus
from matchmaker.web import guard_page, is_safe_next

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _admins_only():
    """Every admin page: sign in first, everyone but an admin gets 403."""
    return guard_page(is_admin, "admin page")


def _admin() -> User:
    return current_user._get_current_object()


def _per_page() -> int:
    return int(current_app.config["MATCHMAKER_PAGE_SIZE"])


def _load_user_for_update(user_id: int) -> User:
    """Row lock (on PostgreSQL) so two admins cannot race one account through two transitions."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None:
        abort(404)
    return user


def _back(default: str):
    """Post/Redirect/Get back to the admin page the form came from."""
    target = request.form.get("next", "")
    if is_safe_next(target) and target.startswith("/admin/"):
        return redirect(target)
    return redirect(default)


@bp.route("/")
@bp.route("")
def index():
    counts = services.admin_counts(_admin())
    today = services.tokyo_today().isoformat()
    from matchmaker.main.health import system_health

    return render_template(
        "admin/index.html",
        counts=counts,
        today=today,
        outbox_counts=outbox_counts(),
        health=system_health(),
    )


@bp.route("/users")
def users():
    filters = forms.parse_user_filters(request.args)
    page = services.list_users(_admin(), filters, parse_page(request.args.get("page")), _per_page())
    return render_template(
        "admin/users.html",
        page=page,
        filters=filters,
        action_labels=forms.ACTION_LABELS,
        allowed_actions=accounts.allowed_account_actions,
        roles=list(Role),
        statuses=list(AccountStatus),
    )


@bp.route("/users/<int:user_id>/status", methods=["POST"])
def user_status(user_id: int):
    user = _load_user_for_update(user_id)
    form = forms.AccountActionForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.change_account_status(_admin(), user, form.action.data)
    flash(str(forms.ACTION_DONE[form.action.data]), "success")
    return _back(url_for(".users"))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
def user_role(user_id: int):
    user = _load_user_for_update(user_id)
    form = forms.RoleForm()
    if not form.validate_on_submit():
        abort(400)
    accounts.change_role(_admin(), user, Role(form.role.data))
    flash(_("The role of %(name)s was changed.", name=user.name), "success")
    return _back(url_for(".users"))


@bp.route("/organizations", methods=["GET", "POST"])
def organizations():
    form = forms.OrganizationCreateForm()
    if form.validate_on_submit():
        try:
            org = accounts.create_organization(
                _admin(),
                form.name.data,
                OrgKind(form.kind.data),
                name_en=form.name_en.data,
                website=form.website.data,
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            flash(_("The organization “%(name)s” was created.", name=org.name), "success")
            return redirect(url_for(".organizations"))
    kind = forms.parse_org_kind(request.args)
    page, members = services.list_organizations(
        _admin(), kind, parse_page(request.args.get("page")), _per_page()
    )
    return render_template(
        "admin/organizations.html", page=page, members=members, kind=kind, form=form, kinds=OrgKind
    )


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"])
def organization_edit(org_id: int):
    org = db.get_or_404(Organization, org_id)
    form = forms.OrganizationForm(obj=org)
    if form.validate_on_submit():
        try:
            accounts.update_organization(
                _admin(), org, form.name.data, form.name_en.data, form.website.data
            )
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            flash(_("The organization was saved."), "success")
            return redirect(url_for(".organizations"))
    return render_template("admin/organization_edit.html", form=form, org=org)


@bp.route("/audit")
def audit():
    filters = forms.parse_audit_filters(request.args)
    admin = _admin()
    page = services.list_audit_events(
        admin, filters, parse_page(request.args.get("page")), _per_page()
    )
    return render_template(
        "admin/audit.html", page=page, filters=filters, actions=services.audit_actions(admin)
    )


@bp.route("/outbox")
def outbox():
    """E-mails sent, waiting, failed, or kept here because no SMTP server is configured."""
    raw_status = request.args.get("status", "")
    if raw_status and raw_status not in {s.value for s in OutboxStatus}:
        abort(400)
    status = OutboxStatus(raw_status) if raw_status else None
    page = list_outbox(parse_page(request.args.get("page")), _per_page(), status)
    return render_template(
        "admin/outbox.html",
        page=page,
        status=status,
        statuses=list(OutboxStatus),
        outbox_status_labels=OUTBOX_STATUS_LABELS,
        smtp_configured=smtp_settings() is not None,
        format_tokyo=format_tokyo,
    )


@bp.route("/outbox/<int:message_id>")
def outbox_message(message_id: int):
    message = db.get_or_404(OutboxMessage, message_id)
    return render_template(
        "admin/outbox_message.html",
        message=message,
        format_tokyo=format_tokyo,
        outbox_status_labels=OUTBOX_STATUS_LABELS,
    )
