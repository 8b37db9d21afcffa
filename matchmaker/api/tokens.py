"""API tokens: issued once in plain text, stored only as a SHA-256 hash, revocable, expiring."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from matchmaker.accounts.permissions import is_signed_in
from matchmaker.api.models import ApiToken
from matchmaker.audit.services import record
from matchmaker.common.errors import DomainError, NotAllowed
from matchmaker.db import utcnow
from matchmaker.extensions import db

TOKEN_PREFIX = "mm_"  # noqa: S105  (a marker, not a secret)
PREFIX_LENGTH = 12
LIFETIMES_DAYS = (30, 90, 365)
MAX_ACTIVE_TOKENS = 20
MAX_NAME_LENGTH = 100
LAST_USED_PRECISION = timedelta(minutes=1)  # a busy client does not write on every request


@dataclass(frozen=True)
class IssuedToken:
    """The stored row and the plain token, which is shown to the user this one time only."""

    token: ApiToken
    plain: str


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def can_use_tokens(user) -> bool:
    """Approved, signed-in accounts may hold tokens; they act with the account's permissions."""
    return is_signed_in(user) and user.is_approved


def is_usable(token: ApiToken, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if token.revoked_at is not None:
        return False
    return token.expires_at is None or token.expires_at > now


def user_tokens(user) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, for the record)."""
    stmt = (
        select(ApiToken)
        .where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    return list(db.session.scalars(stmt))


def _active_count(user, now: datetime) -> int:
    stmt = (
        select(func.count())
        .select_from(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_at.is_(None),
            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now),
        )
    )
    return db.session.scalar(stmt) or 0


def create_token(
    user, name: str, lifetime_days: int | None = 90, now: datetime | None = None
) -> IssuedToken:
    """Issue a token; only its hash and a short prefix (to tell tokens apart) are stored."""
    if not can_use_tokens(user):
        raise NotAllowed(_("Your account must be approved before you can create API tokens."))
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name or len(name) > MAX_NAME_LENGTH:
        raise DomainError(
            _("Give the token a name of at most %(n)d characters.", n=MAX_NAME_LENGTH)
        )
    if lifetime_days is not None and lifetime_days not in LIFETIMES_DAYS:
        raise DomainError(_("Choose one of the offered lifetimes."))
    if _active_count(user, now) >= MAX_ACTIVE_TOKENS:
        raise DomainError(_("You have %(n)d active tokens. Revoke one first.", n=MAX_ACTIVE_TOKENS))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plain),
        prefix=plain[:PREFIX_LENGTH],
        created_at=now,
        expires_at=now + timedelta(days=lifetime_days) if lifetime_days else None,
    )
    db.session.add(token)
    db.session.flush()
    record("api_token_create", actor=user, obj=token, name=name, prefix=token.prefix)
    return IssuedToken(token=token, plain=plain)


def revoke_token(user, token: ApiToken, now: datetime | None = None) -> ApiToken:
    """Revoke at once; revoking twice is harmless."""
    if not is_signed_in(user) or token.user_id != user.id:
        raise NotAllowed(_("You can revoke only your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        db.session.flush()
        record("api_token_revoke", actor=user, obj=token, prefix=token.prefix)
    return token


def authenticate(plain: str, now: datetime | None = None) -> ApiToken | None:
    """The usable token for this plain text, or None (unknown, revoked, expired, account off)."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 200 or not plain.isascii():
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(plain)))
    now = now or utcnow()
    if token is None or not is_usable(token, now) or not token.user.is_approved:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        token.last_used_at = now
    return token
