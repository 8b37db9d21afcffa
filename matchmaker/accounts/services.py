"""Registration, authentication, approval and password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from matchmaker.accounts.models import (
    PROVIDER_ORG_KINDS,
    AccountStatus,
    Organization,
    OrgKind,
    Role,
    User,
)
from matchmaker.accounts.passwords import password_problems
from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.db import utcnow
from matchmaker.extensions import db


class WeakPassword(DomainError):
    """The password breaks the password rules; `problems` lists why."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Registration:
    email: str
    name: str
    password: str
    role: Role
    organization_id: int | None = None
    new_organization_name: str | None = None
    new_organization_kind: OrgKind | None = None
    locale: str | None = None


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalize_email(email)))


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: the id carries the session token, so old sessions die with it."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token:
        return None
    return user


def check_password_rules(password: str, email: str, name: str = "") -> None:
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise WeakPassword(problems)


def register(data: Registration) -> User:
    """Create an account; department staff wait for an admin, providers are active at once."""
    email = normalize_email(data.email)
    if find_user_by_email(email):
        raise DomainError(_("An account with this e-mail address already exists."))
    check_password_rules(data.password, email, data.name)

    if data.role is Role.DEPARTMENT:
        org = db.session.get(Organization, data.organization_id or 0)
        if org is None or org.kind is not OrgKind.DEPARTMENT:
            raise DomainError(_("Choose your department from the list."))
        status = AccountStatus.PENDING
    elif data.role is Role.PROVIDER:
        name = (data.new_organization_name or "").strip()
        if not name or data.new_organization_kind not in PROVIDER_ORG_KINDS:
            raise DomainError(_("Give your organization's name and kind."))
        if db.session.scalar(select(Organization).where(Organization.name == name)):
            raise DomainError(
                _("An organization with this name is already registered; ask its members "
                  "or an administrator to add you.")
            )
        org = Organization(name=name, kind=data.new_organization_kind)
        db.session.add(org)
        status = AccountStatus.ACTIVE
    else:
        raise NotAllowed(_("This role is assigned by an administrator."))

    user = User(email=email, name=data.name.strip(), role=data.role, status=status,
                organization=org, locale=data.locale)
    user.set_password(data.password)
    db.session.add(user)
    db.session.flush()
    record("account_registered", actor=user, obj=user, role=data.role, status=status)
    return user


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the password is right and the account may sign in; audit either way."""
    user = find_user_by_email(email)
    if user is None or not user.check_password(password):
        record("login_failed", actor=user, email_domain=email.rpartition("@")[2][:100])
        return None
    if not user.is_active:
        record("login_refused", actor=user, obj=user, status=user.status)
        return None
    user.last_login_at = utcnow()
    record("login", actor=user, obj=user)
    return user


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError(_("The current password is wrong."))
    check_password_rules(new, user.email, user.name)
    user.set_password(new)
    record("password_changed", actor=user, obj=user)
    db.session.flush()


def set_password(user: User, new: str, *, actor: User | None = None) -> None:
    """Administrative reset (CLI or admin page); ends the user's other sessions."""
    check_password_rules(new, user.email, user.name)
    user.set_password(new)
    record("password_set", actor=actor, obj=user)
    db.session.flush()


ACCOUNT_TRANSITIONS = {
    "approve": ({AccountStatus.PENDING}, AccountStatus.ACTIVE),
    "suspend": ({AccountStatus.PENDING, AccountStatus.ACTIVE}, AccountStatus.SUSPENDED),
    "reactivate": ({AccountStatus.SUSPENDED, AccountStatus.DEACTIVATED}, AccountStatus.ACTIVE),
    "deactivate": ({AccountStatus.PENDING, AccountStatus.ACTIVE, AccountStatus.SUSPENDED},
                   AccountStatus.DEACTIVATED),
}


def change_account_status(admin: User, user: User, action: str) -> User:
    """Admin moves an account through pending → active ↔ suspended → deactivated."""
    if admin.role is not Role.ADMIN:
        raise NotAllowed(_("Only administrators manage accounts."))
    if action not in ACCOUNT_TRANSITIONS:
        raise DomainError(_("Unknown action."))
    sources, target = ACCOUNT_TRANSITIONS[action]
    if user.status not in sources:
        raise DomainError(_("This account cannot be changed that way from its current status."))
    if user.id == admin.id:
        raise DomainError(_("You cannot change the status of your own account."))
    previous = user.status
    user.status = target
    if target is AccountStatus.ACTIVE and user.approved_at is None:
        user.approved_at = utcnow()
    if target is not AccountStatus.ACTIVE:
        user.session_token = secrets.token_hex(16)
    record(f"account_{action}", actor=admin, obj=user, previous=previous, status=target)
    db.session.flush()
    return user


def create_organization(admin: User, name: str, kind: OrgKind, name_en: str | None = None,
                        website: str | None = None) -> Organization:
    if admin.role is not Role.ADMIN:
        raise NotAllowed(_("Only administrators manage organizations."))
    name = name.strip()
    if not name:
        raise DomainError(_("The name is required."))
    if db.session.scalar(select(Organization).where(Organization.name == name)):
        raise DomainError(_("An organization with this name already exists."))
    org = Organization(name=name, kind=kind, name_en=(name_en or "").strip() or None,
                       website=(website or "").strip() or None)
    db.session.add(org)
    db.session.flush()
    record("organization_created", actor=admin, obj=org, kind=kind)
    return org


def create_user(email: str, name: str, password: str, role: Role,
                organization: Organization | None = None,
                status: AccountStatus = AccountStatus.ACTIVE) -> User:
    """Create an account directly (demo data, CLI); password rules still apply."""
    check_password_rules(password, email, name)
    user = User(email=normalize_email(email), name=name, role=role, status=status,
                organization=organization)
    user.set_password(password)
    if status is AccountStatus.ACTIVE:
        user.approved_at = utcnow()
    db.session.add(user)
    db.session.flush()
    record("account_created", obj=user, role=role)
    return user
