"""A user's own notifications: the list, the unread count and marking them read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from matchmaker.common.listing import Page, paginate
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.notifications.models import Notification


def list_notifications(user, page: int, per_page: int) -> Page:
    """Newest first."""
    stmt = (
        select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
    )
    return paginate(stmt, page, per_page)


def unread_count(user_id: int) -> int:
    """One COUNT query (run on every page for signed-in users: keep it to that)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        )
        or 0
    )


def own_notification(user, notification_id: int) -> Notification | None:
    """The user's notification, or None for someone else's (the view answers 404)."""
    if not 0 < notification_id <= 2**31 - 1:
        return None
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    return notification


def mark_read(notification: Notification, now: datetime | None = None) -> None:
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user, now: datetime | None = None) -> int:
    changed = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.flush()
    return changed
