"""The account's API token pages: create (shown once), list, revoke. Cookie-authenticated,
so every POST carries the CSRF token."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from matchmaker.accounts.forms import strip
from matchmaker.api import tokens
from matchmaker.api.models import ApiToken
from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.common.timezone import format_tokyo
from matchmaker.db import utcnow
from matchmaker.extensions import db

bp = Blueprint("api_tokens", __name__)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=tokens.MAX_NAME_LENGTH)],
    )
    lifetime = SelectField(
        _l("Expires after"),
        choices=[("30", _l("30 days")), ("90", _l("90 days")), ("365", _l("1 year"))],
        default="90",
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""


def _page(form: TokenForm, issued: tokens.IssuedToken | None = None):
    page = render_template(
        "api/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        issued=issued,
        tokens=tokens.user_tokens(current_user),
        is_usable=tokens.is_usable,
        now=utcnow(),
        format_tokyo=format_tokyo,
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the page may hold a plain token
    return response


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def index():
    if not tokens.can_use_tokens(current_user):
        raise NotAllowed(_("Your account must be approved before you can create API tokens."))
    form = TokenForm()
    if form.validate_on_submit():
        try:
            issued = tokens.create_token(current_user, form.name.data, int(form.lifetime.data))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
        else:
            return _page(TokenForm(formdata=None), issued)
    return _page(form)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id) if token_id <= 2**31 - 1 else None
    if token is None or token.user_id != current_user.id:
        abort(404)
    tokens.revoke_token(current_user, token)
    flash(_("The token “%(name)s” was revoked.", name=token.name), "success")
    return redirect(url_for("api_tokens.index"))
