"""Record notifications once per (user, key) and queue real-time e-mails in the outbox."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from matchmaker.accounts.models import AccountStatus, User
from matchmaker.audit.services import record
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.notifications import notices  # noqa: F401  (registers this package's kinds)
from matchmaker.notifications.kinds import render
from matchmaker.notifications.models import (
    Follow,
    Frequency,
    Notification,
    NotificationPreference,
    OutboxMessage,
)


def frequency_of(user: User) -> Frequency:
    preference = db.session.get(NotificationPreference, user.id)
    return preference.frequency if preference else Frequency.REALTIME


def set_frequency(user: User, frequency: Frequency, now=None) -> NotificationPreference:
    """Applies to later notifications: a digest starts with what arrives after the change."""
    preference = db.session.get(NotificationPreference, user.id)
    if preference is None:
        preference = NotificationPreference(user_id=user.id, frequency=Frequency.REALTIME)
        db.session.add(preference)
    if preference.frequency is not frequency:
        record(
            "notifications.preference",
            actor=user,
            object_type="user",
            object_id=user.id,
            old=preference.frequency.value,
            new=frequency.value,
        )
        preference.frequency = frequency
        preference.last_digest_at = now or utcnow()
    db.session.flush()
    return preference


def notify_followers(
    subject_type: str, subject_id: int, kind: str, params: dict, link: str, dedupe_key: str
) -> list[Notification]:
    """Tell everyone following a need or call about one event (once per key and follower)."""
    followers = db.session.scalars(
        select(User)
        .join(Follow, Follow.user_id == User.id)
        .where(Follow.subject_type == subject_type, Follow.subject_id == subject_id)
        .order_by(User.id)
    ).all()
    return notify(followers, kind, params, link, dedupe_key)


def absolute_link(link: str) -> str:
    """Links in e-mails need the site's address (MATCHMAKER_PUBLIC_URL) when it is known."""
    base = current_app.config.get("MATCHMAKER_PUBLIC_URL", "") if has_app_context() else ""
    if link.startswith("/") and base:
        return str(base).rstrip("/") + link
    return link


def notify(
    users: Iterable[User], kind: str, params: dict, link: str, dedupe_key: str
) -> list[Notification]:
    """One notification per active user; a user who already has `dedupe_key` gets nothing
    new, so a retried job or a repeated event never notifies twice. Real-time readers also
    get an e-mail queued in the outbox (sent by `flask jobs run`)."""
    recipients = {u.id: u for u in users if u is not None and u.status is AccountStatus.ACTIVE}
    if not recipients:
        return []
    already = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.user_id.in_(recipients), Notification.dedupe_key == dedupe_key
            )
        )
    )
    created = []
    for user_id, user in recipients.items():
        if user_id in already:
            continue
        notification = Notification(
            user_id=user_id, kind=kind, params=params, link=link, dedupe_key=dedupe_key
        )
        try:
            with db.session.begin_nested():  # a concurrent run may have inserted it
                db.session.add(notification)
                db.session.flush()
        except IntegrityError:
            continue
        if frequency_of(user) is Frequency.REALTIME:
            queue_email(user, notification)
        created.append(notification)
    return created


def queue_email(user: User, notification: Notification) -> OutboxMessage | None:
    """The notification as an e-mail in the reader's language (once: the key is unique)."""
    if not user.email:
        return None
    key = f"notification:{notification.id}"
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
        return None
    text = render(notification.kind, notification.params, user.locale or "ja")
    message = OutboxMessage(
        user_id=user.id,
        to_address=user.email,
        subject=text.subject,
        body=f"{text.body}\n\n{absolute_link(notification.link)}".strip(),
        dedupe_key=key,
    )
    db.session.add(message)
    db.session.flush()
    notification.emailed_at = notification.created_at
    return message
