"""Records saved in a transaction, handed to the encoder only once that transaction commits."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

PENDING = "matching_pending"  # marked in the open transaction
COMMITTED = "matching_committed"  # committed, waiting to be encoded


def mark_changed(session: Session, entity_type: str, entity_id: int) -> None:
    """Services call this after a flush; nothing is encoded unless the transaction commits."""
    session.info.setdefault(PENDING, set()).add((entity_type, entity_id))


def take_committed(session: Session) -> set[tuple[str, int]]:
    """The committed changes not yet encoded; the caller encodes them in a new transaction."""
    return session.info.pop(COMMITTED, set())


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # no database work here: only move the marks, the request layer encodes afterwards
    marked = session.info.pop(PENDING, None)
    if marked:
        session.info.setdefault(COMMITTED, set()).update(marked)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)
