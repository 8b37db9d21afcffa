"""Registration, authentication, approval and password changes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from matchmaker.accounts.models import (
    PROVIDER_ORG_KINDS,
    AccountStatus,
    Organization,
    OrgKind,
    Role,
    User,
)
from matchmaker.accounts.organizations import (  # noqa: F401  (re-exported for the admin area)
    create_organization,
    flush_unique,
    organization_name_taken,
    update_organization,
)
from matchmaker.accounts.passwords import password_problems
from matchmaker.accounts.permissions import require_admin
from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, IllegalTransition, NotAllowed
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
    if data.role not in (Role.DEPARTMENT, Role.PROVIDER):
        raise NotAllowed(_("This role is assigned by an administrator."))
    email = normalize_email(data.email)
    name = (data.name or "").strip()
    if not email or not name:
        raise DomainError(_("Give your name and e-mail address."))
    if find_user_by_email(email):
        raise DomainError(_("An account with this e-mail address already exists."))
    check_password_rules(data.password, email, name)

    if data.role is Role.DEPARTMENT:
        org = db.session.get(Organization, data.organization_id or 0)
        if org is None or org.kind is not OrgKind.DEPARTMENT:
            raise DomainError(_("Choose your department from the list."))
        status = AccountStatus.PENDING
    else:
        org_name = (data.new_organization_name or "").strip()
        if not org_name or data.new_organization_kind not in PROVIDER_ORG_KINDS:
            raise DomainError(_("Give your organization's name and kind."))
        if organization_name_taken(org_name):
            raise DomainError(
                _(
                    "An organization with this name is already registered; ask its members "
                    "or an administrator to add you."
                )
            )
        org = Organization(name=org_name, kind=data.new_organization_kind)
        db.session.add(org)
        status = AccountStatus.ACTIVE

    user = User(
        email=email,
        name=name,
        role=data.role,
        status=status,
        organization=org,
        locale=data.locale,
    )
    user.set_password(data.password)
    db.session.add(user)
    flush_unique(_("An account or organization with these details already exists."))
    record("account_registered", actor=user, obj=user, role=data.role, status=status)
    return user


@cache
def _dummy_hash() -> str:
    """Checked when the e-mail address is unknown, so a miss costs as long as a wrong password."""
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def authenticate(email: str, password: str) -> User | None:
    """Return the user when the password is right and the account may sign in; audit either way."""
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password)
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
    "deactivate": (
        {AccountStatus.PENDING, AccountStatus.ACTIVE, AccountStatus.SUSPENDED},
        AccountStatus.DEACTIVATED,
    ),
}


def allowed_account_actions(user: User) -> list[str]:
    """The actions the transition table offers from the account's current status."""
    return [a for a, (sources, _target) in ACCOUNT_TRANSITIONS.items() if user.status in sources]


def change_account_status(admin: User, user: User, action: str) -> User:
    """Admin moves an account through pending → active ↔ suspended → deactivated."""
    require_admin(admin, _("Only administrators manage accounts."))
    if action not in ACCOUNT_TRANSITIONS:
        raise DomainError(_("Unknown action."))
    if user.id == admin.id:
        raise NotAllowed(_("You cannot change the status of your own account."))
    sources, target = ACCOUNT_TRANSITIONS[action]
    if user.status not in sources:
        raise IllegalTransition(
            _("This account cannot be changed that way from its current status.")
        )
    previous = user.status
    user.status = target
    if target is AccountStatus.ACTIVE and user.approved_at is None:
        user.approved_at = utcnow()
    if target is not AccountStatus.ACTIVE:
        user.session_token = secrets.token_hex(16)  # ends the user's open sessions
    record(f"account_{action}", actor=admin, obj=user, previous=previous, status=target)
    db.session.flush()
    return user


def change_role(admin: User, user: User, role: Role) -> User:
    """Admins assign any role, as long as it fits the account's organization."""
    require_admin(admin, _("Only administrators manage accounts."))
    if user.id == admin.id and role is not Role.ADMIN:
        raise NotAllowed(_("You cannot remove your own administrator role."))
    if role is user.role:
        return user
    org = user.organization
    if role is Role.DEPARTMENT and (org is None or not org.is_department):
        raise DomainError(_("Department staff must belong to a government department."))
    if role is Role.PROVIDER and (org is None or org.is_department):
        raise DomainError(
            _("Solution providers must belong to a startup, university, NPO or company.")
        )
    previous = user.role
    user.role = role
    record("account_role_changed", actor=admin, obj=user, previous=previous, role=role)
    db.session.flush()
    return user


def create_user(
    email: str,
    name: str,
    password: str,
    role: Role,
    organization: Organization | None = None,
    status: AccountStatus = AccountStatus.ACTIVE,
) -> User:
    """Create an account directly (demo data, CLI); password rules still apply."""
    check_password_rules(password, email, name)
    user = User(
        email=normalize_email(email), name=name, role=role, status=status, organization=organization
    )
    user.set_password(password)
    if status is AccountStatus.ACTIVE:
        user.approved_at = utcnow()
    db.session.add(user)
    db.session.flush()
    record("account_created", obj=user, role=role)
    return user
