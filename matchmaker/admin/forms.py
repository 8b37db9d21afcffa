"""Admin forms, and parsing of the list pages' query strings (bad values are a 400)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from matchmaker.accounts.forms import strip
from matchmaker.accounts.models import AccountStatus, OrgKind, Role
from matchmaker.admin.services import AuditFilters, UserFilters
from matchmaker.common.errors import DomainError
from matchmaker.common.labels import ORG_KIND_LABELS, ROLE_LABELS
from matchmaker.common.listing import date_arg

ACTION_LABELS = {
    "approve": _l("Approve"),
    "suspend": _l("Suspend"),
    "reactivate": _l("Reactivate"),
    "deactivate": _l("Deactivate"),
}

ACTION_DONE = {
    "approve": _l("The account was approved."),
    "suspend": _l("The account was suspended; its sessions have ended."),
    "reactivate": _l("The account was reactivated."),
    "deactivate": _l("The account was deactivated; its sessions have ended."),
}

_ACTION_RE = re.compile(r"[a-z_]{1,64}")


class AccountActionForm(FlaskForm):
    """One form, one button per allowed action (name="action")."""

    action = SelectField(choices=list(ACTION_LABELS.items()), validators=[DataRequired()])
    next = HiddenField()


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=list(ROLE_LABELS.items()), validators=[DataRequired()])


def _http_url(form, field) -> None:
    if field.data and not re.match(r"https?://[^\s/]+", field.data.strip()):
        raise ValidationError(_("Give the website as an http:// or https:// address."))


class OrganizationForm(FlaskForm):
    name = StringField(_l("Name"), filters=[strip], validators=[DataRequired(), Length(max=200)])
    name_en = StringField(
        _l("English name"), filters=[strip], validators=[Optional(), Length(max=200)]
    )
    website = StringField(
        _l("Website"), filters=[strip], validators=[Optional(), Length(max=500), _http_url]
    )


class OrganizationCreateForm(OrganizationForm):
    kind = SelectField(
        _l("Kind"), choices=list(ORG_KIND_LABELS.items()), validators=[DataRequired()]
    )


def _enum_arg(args: Mapping[str, str], name: str, enum: type[StrEnum]):
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return enum(raw)
    except ValueError:
        raise DomainError(_("Unknown value for “%(name)s”.", name=name)) from None


def _id_arg(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise DomainError(_("“%(name)s” must be a number.", name=name))
    return int(raw)


def parse_user_filters(args: Mapping[str, str]) -> UserFilters:
    return UserFilters(
        status=_enum_arg(args, "status", AccountStatus),
        role=_enum_arg(args, "role", Role),
        q=(args.get("q") or "").strip(),
        organization_id=_id_arg(args, "organization"),
    )


def parse_org_kind(args: Mapping[str, str]) -> OrgKind | None:
    return _enum_arg(args, "kind", OrgKind)


def parse_audit_filters(args: Mapping[str, str]) -> AuditFilters:
    action = (args.get("action") or "").strip()
    if action and not _ACTION_RE.fullmatch(action):
        raise DomainError(_("Unknown value for “%(name)s”.", name="action"))
    filters = AuditFilters(
        action=action or None,
        actor_id=_id_arg(args, "actor"),
        since=date_arg(args, "since"),
        until=date_arg(args, "until"),
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise DomainError(_("The start date is after the end date."))
    return filters
