"""Digests: one e-mail per reader and period, only with what is new, none for "none"."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.notifications.digests import make_digests, period_of
from matchmaker.notifications.models import Frequency, Notification, OutboxMessage
from matchmaker.notifications.services import notify, set_frequency
from tests.notifications.conftest import TUESDAY_9AM_TOKYO

NOW = TUESDAY_9AM_TOKYO


def messages(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id)
        )
    )


def event(user, n: int, at) -> Notification:
    (notification,) = notify([user], "test_event", {"n": n}, f"/needs/{n}", f"event:{n}")
    notification.created_at = at
    db.session.flush()
    return notification


def digest_reader(reader, frequency, since):
    user = reader()
    set_frequency(user, frequency, now=since)
    return user


def test_periods_are_tokyo_days_and_iso_weeks():
    assert period_of(Frequency.DAILY, NOW)[0] == "2026-12-01"
    # 23:30 UTC on 1 December is already 2 December in Tokyo
    assert period_of(Frequency.DAILY, NOW + timedelta(hours=23, minutes=30))[0] == "2026-12-02"
    key, due = period_of(Frequency.WEEKLY, NOW)
    assert key == "2026-W49"
    assert due.isoformat().startswith("2026-11-30T08:00")


def test_running_twice_the_same_day_makes_one_digest_and_the_next_day_only_new_items(reader):
    user = digest_reader(reader, Frequency.DAILY, NOW - timedelta(days=1))
    event(user, 1, NOW - timedelta(hours=5))
    event(user, 2, NOW - timedelta(hours=3))
    assert messages(user) == []  # nothing in real time

    make_digests(NOW)
    make_digests(NOW + timedelta(minutes=1))
    (first,) = messages(user)
    assert first.dedupe_key == f"digest:{user.id}:2026-12-01"
    assert "Test event 1" in first.body and "Test event 2" in first.body
    assert "2 updates" in first.subject
    assert all(n.emailed_at is not None for n in db.session.scalars(select(Notification)))

    event(user, 3, NOW + timedelta(hours=2))  # arrives after today's digest
    make_digests(NOW + timedelta(hours=3))
    assert len(messages(user)) == 1  # waits for tomorrow

    make_digests(NOW + timedelta(days=1))
    make_digests(NOW + timedelta(days=1, minutes=1))
    first, second = messages(user)
    assert second.dedupe_key == f"digest:{user.id}:2026-12-02"
    assert "Test event 3" in second.body
    assert "Test event 1" not in second.body and "Test event 2" not in second.body


def test_no_digest_before_the_morning_or_without_news(reader):
    user = digest_reader(reader, Frequency.DAILY, NOW - timedelta(days=1))
    event(user, 1, NOW - timedelta(hours=5))
    make_digests(NOW - timedelta(hours=2))  # 07:00 in Tokyo
    assert messages(user) == []
    quiet = digest_reader(reader, Frequency.DAILY, NOW - timedelta(days=1))
    make_digests(NOW)
    assert messages(quiet) == []
    assert len(messages(user)) == 1


def test_weekly_readers_get_one_digest_per_iso_week(reader):
    user = digest_reader(reader, Frequency.WEEKLY, NOW - timedelta(days=9))
    event(user, 1, NOW - timedelta(days=3))
    make_digests(NOW)
    event(user, 2, NOW + timedelta(days=1))
    make_digests(NOW + timedelta(days=2))  # still week 49
    (first,) = messages(user)
    assert first.dedupe_key == f"digest:{user.id}:2026-W49"
    make_digests(NOW + timedelta(days=6))  # Monday of week 50, 09:00
    first, second = messages(user)
    assert second.dedupe_key == f"digest:{user.id}:2026-W50"
    assert "Test event 2" in second.body and "Test event 1" not in second.body


def test_none_readers_get_in_app_notifications_only(reader):
    user = digest_reader(reader, Frequency.NONE, NOW - timedelta(days=1))
    event(user, 1, NOW - timedelta(hours=5))
    make_digests(NOW)
    make_digests(NOW + timedelta(days=1))
    assert messages(user) == []
    assert db.session.scalar(select(Notification.emailed_at)) is None


def test_switching_to_a_digest_starts_with_later_notifications(reader):
    user = reader(Frequency.NONE)
    event(user, 1, NOW - timedelta(days=2))
    set_frequency(user, Frequency.DAILY, now=NOW - timedelta(days=1))
    event(user, 2, NOW - timedelta(hours=4))
    make_digests(NOW)
    (digest,) = messages(user)
    assert "Test event 2" in digest.body and "Test event 1" not in digest.body
