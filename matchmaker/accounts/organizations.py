"""Organizations: created and corrected by administrators, or by a provider at registration."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, User
from matchmaker.accounts.permissions import require_admin
from matchmaker.audit.services import record
from matchmaker.common.errors import Conflict, DomainError
from matchmaker.extensions import db

NAME_MAX = 200


def active_members(organization_id: int) -> list[User]:
    """The organization's active accounts: whom a notice to the organization reaches."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.organization_id == organization_id, User.status == AccountStatus.ACTIVE)
            .order_by(User.id)
        )
    )


def clean_website(url: str | None) -> str | None:
    """Only http(s) addresses are stored: the value is rendered as a link."""
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise DomainError(_("Give the website as an http:// or https:// address."))
    return url


def clean_names(name: str | None, name_en: str | None) -> tuple[str, str | None]:
    """Trimmed Japanese and English names; the Japanese one is required."""
    name, name_en = (name or "").strip(), (name_en or "").strip() or None
    if not name:
        raise DomainError(_("The name is required."))
    if len(name) > NAME_MAX or len(name_en or "") > NAME_MAX:
        raise DomainError(_("Names have at most %(n)d characters.", n=NAME_MAX))
    return name, name_en


def organization_name_taken(name: str, exclude_id: int | None = None) -> bool:
    stmt = select(Organization.id).where(Organization.name == name)
    if exclude_id is not None:
        stmt = stmt.where(Organization.id != exclude_id)
    return db.session.scalar(stmt) is not None


def flush_unique(message: str) -> None:
    """A concurrent duplicate hits the unique constraint: report it instead of a 500."""
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(message) from None


def create_organization(
    admin: User, name: str, kind: OrgKind, name_en: str | None = None, website: str | None = None
) -> Organization:
    require_admin(admin, _("Only administrators manage organizations."))
    name, name_en = clean_names(name, name_en)
    if kind not in set(OrgKind):
        raise DomainError(_("Choose the kind of organization."))
    if organization_name_taken(name):
        raise Conflict(_("An organization with this name already exists."))
    org = Organization(
        name=name, kind=OrgKind(kind), name_en=name_en, website=clean_website(website)
    )
    db.session.add(org)
    flush_unique(_("An organization with this name already exists."))
    record("organization_created", actor=admin, obj=org, kind=kind)
    return org


def update_organization(
    admin: User, org: Organization, name: str, name_en: str | None, website: str | None
) -> Organization:
    """Rename or correct an organization; its kind stays, since roles depend on it."""
    require_admin(admin, _("Only administrators manage organizations."))
    name, name_en = clean_names(name, name_en)
    if organization_name_taken(name, exclude_id=org.id):
        raise Conflict(_("An organization with this name already exists."))
    new = {"name": name, "name_en": name_en, "website": clean_website(website)}
    changed = {k: [getattr(org, k), v] for k, v in new.items() if getattr(org, k) != v}
    if not changed:
        return org
    for key, (_old, value) in changed.items():
        setattr(org, key, value)
    flush_unique(_("An organization with this name already exists."))
    record("organization_updated", actor=admin, obj=org, changes=changed)
    return org
