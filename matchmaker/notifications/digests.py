"""Daily and weekly digests: one e-mail per reader and period with what they have not had yet.

A period is a Tokyo day (daily) or an ISO week (weekly); its digest goes out on the first run
after DIGEST_HOUR in Tokyo and its dedupe key (digest:{user}:{period}) makes a second run of the
same period create nothing.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, User
from matchmaker.common.timezone import TOKYO, to_tokyo
from matchmaker.extensions import db
from matchmaker.notifications.kinds import render
from matchmaker.notifications.models import (
    Frequency,
    Notification,
    NotificationPreference,
    OutboxMessage,
)
from matchmaker.notifications.services import absolute_link

DIGEST_HOUR = 8  # Tokyo time: digests arrive with the morning
# a notification committed a moment after the previous digest's query, with an earlier
# created_at, is still picked up (emailed_at keeps the rest from repeating)
LATE_COMMIT_SLACK = timedelta(minutes=10)
MAX_ITEMS = 100


def period_of(frequency: Frequency, now: datetime) -> tuple[str, datetime]:
    """The period's key and the moment (UTC) its digest becomes due."""
    local = to_tokyo(now)
    if frequency is Frequency.DAILY:
        start = datetime.combine(local.date(), time(DIGEST_HOUR), tzinfo=TOKYO)
        return local.date().isoformat(), start
    year, week, _weekday = local.isocalendar()
    monday = local.date() - timedelta(days=local.weekday())
    return f"{year}-W{week:02d}", datetime.combine(monday, time(DIGEST_HOUR), tzinfo=TOKYO)


def _due_items(user_id: int, since: datetime | None) -> list[Notification]:
    stmt = select(Notification).where(
        Notification.user_id == user_id, Notification.emailed_at.is_(None)
    )
    if since is not None:
        stmt = stmt.where(Notification.created_at > since - LATE_COMMIT_SLACK)
    return list(db.session.scalars(stmt.order_by(Notification.created_at)))


def compose(user: User, frequency: Frequency, items: list[Notification]) -> tuple[str, str]:
    """Subject and body in the reader's language."""
    locale = user.locale or "ja"
    with force_locale(locale):
        if frequency is Frequency.DAILY:
            subject = _("Your daily Matchmaker digest: %(count)d updates", count=len(items))
        else:
            subject = _("Your weekly Matchmaker digest: %(count)d updates", count=len(items))
        lines = []
        for item in items[:MAX_ITEMS]:
            text = render(item.kind, item.params, locale)
            lines.append(f"- {text.subject}")
            if text.body:
                lines.append(f"  {text.body}")
            if item.link:
                lines.append(f"  {absolute_link(item.link)}")
            lines.append("")
        if len(items) > MAX_ITEMS:
            more = len(items) - MAX_ITEMS
            lines.append(_("…and %(count)d more on your notifications page.", count=more))
            lines.append(absolute_link("/notifications"))
            lines.append("")
        lines.append(_("Change how often you hear from us in your notification preferences."))
    return subject, "\n".join(lines).strip()


def make_digest(preference: NotificationPreference, user: User, now: datetime) -> bool:
    """One outbox message for this reader's period, if it is due and has anything new."""
    key_period, due_at = period_of(preference.frequency, now)
    if now < due_at:
        return False
    last = preference.last_digest_at
    if last is not None and last >= due_at:
        return False  # this period was already handled (or the preference changed in it)
    key = f"digest:{user.id}:{key_period}"
    items = _due_items(user.id, last)
    preference.last_digest_at = now
    if not items or db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)
    ):
        db.session.flush()
        return False
    subject, body = compose(user, preference.frequency, items)
    db.session.add(
        OutboxMessage(
            user_id=user.id, to_address=user.email, subject=subject, body=body, dedupe_key=key
        )
    )
    for item in items:
        item.emailed_at = now
    db.session.flush()
    return True


def make_digests(now: datetime) -> str:
    """The `notifications.digests` job."""
    rows = db.session.execute(
        select(NotificationPreference, User)
        .join(User, User.id == NotificationPreference.user_id)
        .where(
            NotificationPreference.frequency.in_((Frequency.DAILY, Frequency.WEEKLY)),
            User.status == AccountStatus.ACTIVE,
        )
        .order_by(User.id)
    ).all()
    made = sum(make_digest(preference, user, now) for preference, user in rows if user.email)
    return f"{made} digests queued for {len(rows)} digest readers"
