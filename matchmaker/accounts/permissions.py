"""Role checks shared by services, so a view that forgets one cannot leak the action."""

from __future__ import annotations

from flask_babel import gettext as _

from matchmaker.accounts.models import Role, User
from matchmaker.common.errors import NotAllowed


def is_signed_in(user) -> bool:
    """True for a signed-in user; False for None and the anonymous user."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_admin(actor: User | None) -> bool:
    """An approved, signed-in administrator."""
    return (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.role is Role.ADMIN
        and actor.is_approved
    )


def require_admin(actor: User | None, message: str | None = None) -> None:
    if not is_admin(actor):
        raise NotAllowed(message or _("Only administrators can do this."))
