"""Concurrent writes end as a clear Conflict, never a 500: a version column that moved
(StaleDataError) and SQLite's "database is locked" after another request committed first
(a stale read snapshot) both mean "someone changed this at the same time"."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from matchmaker.common.errors import Conflict
from matchmaker.extensions import db

LOCKED_MESSAGES = ("database is locked", "database table is locked")


def is_write_conflict(exc: BaseException) -> bool:
    if isinstance(exc, StaleDataError):
        return True
    return isinstance(exc, OperationalError) and any(
        text in str(exc.orig).lower() for text in LOCKED_MESSAGES
    )


def flush_or_conflict(message: str) -> None:
    """Flush; a concurrent write becomes Conflict(message) with the session rolled back."""
    try:
        db.session.flush()
    except (StaleDataError, OperationalError) as exc:
        if not is_write_conflict(exc):
            raise
        db.session.rollback()
        raise Conflict(message) from None
