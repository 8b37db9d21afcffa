"""Sign-in, registration and password forms."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from matchmaker.accounts.models import PROVIDER_ORG_KINDS
from matchmaker.accounts.passwords import MAX_LENGTH
from matchmaker.common.labels import ORG_KIND_LABELS

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip(value: str | None) -> str | None:
    """Pasted values often carry spaces or control characters (PostgreSQL refuses NUL)."""
    return _CONTROL.sub("", value).strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"), filters=[strip], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    next = HiddenField()


class RegistrationForm(FlaskForm):
    role = RadioField(
        _l("I am"),
        choices=[
            ("provider", _l("A solution provider (startup, university, NPO, company…)")),
            ("department", _l("Staff of a government department")),
        ],
        default="provider",
        validators=[DataRequired()],
    )
    name = StringField(
        _l("Your name"), filters=[strip], validators=[DataRequired(), Length(max=120)]
    )
    email = EmailField(
        _l("E-mail address"),
        filters=[strip],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(
        _l("Password (at least 12 characters)"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    organization_id = SelectField(
        _l("Department"), coerce=int, validators=[Optional()], validate_choice=False
    )
    organization_name = StringField(
        _l("Organization name"), filters=[strip], validators=[Length(max=200)]
    )
    organization_kind = SelectField(
        _l("Organization kind"),
        choices=[(k.value, ORG_KIND_LABELS[k.value]) for k in PROVIDER_ORG_KINDS],
        validators=[Optional()],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=MAX_LENGTH)]
    )
    new_password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
