"""Following a public need or call, so its phase changes reach the follower."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from matchmaker.audit.services import record
from matchmaker.calls.models import PUBLIC_CALL_STATUSES, Call
from matchmaker.extensions import db
from matchmaker.needs.models import PUBLIC_NEED_STATUSES, Need
from matchmaker.notifications.models import Follow

SUBJECT_TYPES = ("need", "call")
MAX_ID = 2**31 - 1


def load_subject(subject_type: str, subject_id: int) -> Need | Call | None:
    """The need or call if it exists, else None."""
    if subject_type not in SUBJECT_TYPES or not 0 < subject_id <= MAX_ID:
        return None
    model = Need if subject_type == "need" else Call
    return db.session.get(model, subject_id)


def is_public(subject_type: str, subject) -> bool:
    """Only what everyone can read can be followed (no leak of drafts by following)."""
    if subject is None:
        return False
    statuses = PUBLIC_NEED_STATUSES if subject_type == "need" else PUBLIC_CALL_STATUSES
    return subject.status in statuses


def find_follow(user, subject_type: str, subject_id: int) -> Follow | None:
    return db.session.scalar(
        select(Follow).where(
            Follow.user_id == user.id,
            Follow.subject_type == subject_type,
            Follow.subject_id == subject_id,
        )
    )


def is_following(user, subject_type: str, subject_id: int) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return find_follow(user, subject_type, subject_id) is not None


def follow(user, subject_type: str, subject_id: int) -> Follow:
    """Idempotent: following twice (a double click) keeps one row."""
    existing = find_follow(user, subject_type, subject_id)
    if existing is not None:
        return existing
    row = Follow(user_id=user.id, subject_type=subject_type, subject_id=subject_id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # a concurrent request followed first
        return find_follow(user, subject_type, subject_id)
    record("follow.add", actor=user, object_type=subject_type, object_id=subject_id)
    return row


def unfollow(user, subject_type: str, subject_id: int) -> bool:
    removed = db.session.execute(
        delete(Follow).where(
            Follow.user_id == user.id,
            Follow.subject_type == subject_type,
            Follow.subject_id == subject_id,
        )
    ).rowcount
    if removed:
        record("follow.remove", actor=user, object_type=subject_type, object_id=subject_id)
    db.session.flush()
    return bool(removed)
