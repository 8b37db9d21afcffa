"""Sign in, sign out, register, account page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from matchmaker.accounts import services
from matchmaker.accounts.forms import ChangePasswordForm, LoginForm, RegistrationForm, strip
from matchmaker.accounts.models import Organization, OrgKind, Role
from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError
from matchmaker.extensions import db, limiter
from matchmaker.web import is_safe_next

bp = Blueprint("accounts", __name__)


def _login_account_key() -> str:
    """The address as the form cleans it, so variants of one address share one limit."""
    return "login-account:" + services.normalize_email(strip(request.form.get("email", "")))[:254]


def _failed_login(response) -> bool:
    """Only a refused e-mail or password counts (the form again, 200); a conflict or an outage
    is not a guess and must not lock anyone out."""
    return response.status_code == 200


def _login_limit_account() -> str:
    return current_app.config["MATCHMAKER_LOGIN_LIMIT_PER_ACCOUNT"]


def _login_limit_ip() -> str:
    return current_app.config["MATCHMAKER_LOGIN_LIMIT_PER_IP"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_limit_ip,
    methods=["POST"],
    deduct_when=_failed_login,
    key_func=lambda: "login-ip:" + (request.remote_addr or ""),
)
@limiter.limit(
    _login_limit_account, methods=["POST"], deduct_when=_failed_login, key_func=_login_account_key
)
def login():
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            locale = session.get("lang")
            session.clear()
            if locale:
                session["lang"] = locale
            login_user(user)
            target = form.next.data if is_safe_next(form.next.data) else url_for("main.dashboard")
            return redirect(target)
        flash(_("The e-mail address or password is wrong, or the account is not active."), "error")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        record("logout", actor=current_user, obj=current_user)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("main.index"))


def _department_choices() -> list[tuple[int, str]]:
    orgs = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrgKind.DEPARTMENT)
        .order_by(Organization.name)
    )
    return [(0, _("— choose —"))] + [(o.id, o.name) for o in orgs]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = RegistrationForm()
    form.organization_id.choices = _department_choices()
    if form.validate_on_submit():
        role = Role(form.role.data)
        data = services.Registration(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            role=role,
            organization_id=form.organization_id.data or None,
            new_organization_name=form.organization_name.data,
            new_organization_kind=(
                OrgKind(form.organization_kind.data) if form.organization_kind.data else None
            ),
            locale=session.get("lang"),
        )
        try:
            user = services.register(data)
        except services.WeakPassword as exc:
            form.password.errors.extend(exc.problems)
        except DomainError as exc:
            form.form_errors.append(exc.message)
        else:
            session.clear()
            login_user(user)
            if role is Role.DEPARTMENT:
                flash(
                    _(
                        "Your account was created. An administrator must approve it before you "
                        "can submit needs; you can already write drafts."
                    ),
                    "info",
                )
            else:
                flash(_("Welcome! Your account is ready."), "success")
            return redirect(url_for("main.dashboard"))
        db.session.rollback()
    return render_template("accounts/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except services.WeakPassword as exc:
            form.new_password.errors.extend(exc.problems)
        except DomainError as exc:
            form.current_password.errors.append(exc.message)
        else:
            login_user(current_user._get_current_object())  # re-issue with the new token
            flash(_("Your password was changed. Other sessions have been signed out."), "success")
            return redirect(url_for("accounts.account"))
        db.session.rollback()
    return render_template("accounts/account.html", form=form)
