"""What a database error means for the user. A write that lost a race (a version column that
moved, SQLite's stale WAL snapshot, a PostgreSQL serialization failure or deadlock) is a
Conflict: reload and decide again. A database that is busy past its timeout (SQLite's busy
timeout, PostgreSQL's lock_timeout) or out of reach (refused, gone, disk full, I/O error) is
unavailable: nothing was saved, and the same request can simply be tried again."""

from __future__ import annotations

from sqlalchemy.exc import (
    DBAPIError,
    DisconnectionError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError

from matchmaker.common.errors import Conflict
from matchmaker.extensions import db

# SQLite: the extended code of a write on a snapshot another connection has moved past; the
# busy handler is not called for it, so waiting longer would not help
SQLITE_BUSY_SNAPSHOT = 517
# primary result codes (code & 0xff) that mean "not now": busy, locked, out of memory,
# read-only (a disk remounted read-only), I/O error, disk full, cannot open, lock protocol
SQLITE_UNAVAILABLE = {5, 6, 7, 8, 10, 13, 14, 15}
SQLITE_UNAVAILABLE_MESSAGES = (
    "database is locked",
    "database table is locked",
    "unable to open database file",
    "disk i/o error",
    "database or disk is full",
    "attempt to write a readonly database",
)
# PostgreSQL SQLSTATEs: serialization failure and deadlock are races; the others mean the
# server is busy or gone (lock_timeout, statement_timeout, shutdown, resources, I/O)
PG_CONFLICT_STATES = {"40001", "40P01"}
PG_UNAVAILABLE_STATES = {"55P03", "57014", "57P01", "57P02", "57P03", "58030"}
PG_UNAVAILABLE_CLASSES = ("08", "53")


def _sqlite_code(orig) -> int | None:
    code = getattr(orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _sqlstate(orig) -> str | None:
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_write_conflict(exc: BaseException) -> bool:
    """True when another transaction changed the same data first: reload, then try again."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    return _sqlite_code(orig) == SQLITE_BUSY_SNAPSHOT or _sqlstate(orig) in PG_CONFLICT_STATES


def is_unavailable(exc: BaseException) -> bool:
    """True when the database is busy past its timeout or cannot be reached: retry later."""
    if is_write_conflict(exc):
        return False
    if isinstance(exc, DisconnectionError | PoolTimeout | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    code = _sqlite_code(orig)
    if code is not None:
        return code & 0xFF in SQLITE_UNAVAILABLE
    state = _sqlstate(orig)
    if state:
        return state in PG_UNAVAILABLE_STATES or state.startswith(PG_UNAVAILABLE_CLASSES)
    if orig is not None and type(orig).__module__.startswith("psycopg"):
        return True  # no SQLSTATE: the connection itself failed (refused, reset, timed out)
    message = str(orig or exc).lower()
    return any(text in message for text in SQLITE_UNAVAILABLE_MESSAGES)


def flush_or_conflict(message: str) -> None:
    """Flush; a concurrent write becomes Conflict(message) with the session rolled back."""
    try:
        db.session.flush()
    except (StaleDataError, OperationalError) as exc:
        if not is_write_conflict(exc):
            raise
        db.session.rollback()
        raise Conflict(message) from None
