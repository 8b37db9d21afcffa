"""notify(): once per key and reader, e-mail by frequency; notify_followers()."""

from __future__ import annotations

from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.extensions import db
from matchmaker.notifications.follows import follow
from matchmaker.notifications.models import Frequency, Notification, OutboxMessage
from matchmaker.notifications.services import frequency_of, notify, notify_followers, set_frequency
from tests.factories import make_need


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_same_key_twice_gives_one_notification_and_one_email(reader):
    user = reader()
    first = notify([user], "test_event", {"n": 1}, "/needs/1", "event:1")
    second = notify([user], "test_event", {"n": 1}, "/needs/1", "event:1")
    assert len(first) == 1 and second == []
    assert count(Notification, Notification.user_id == user.id) == 1
    assert count(OutboxMessage, OutboxMessage.user_id == user.id) == 1
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert message.subject == "Test event 1" and message.to_address == user.email
    assert "/needs/1" in message.body


def test_realtime_digest_and_none_readers(reader):
    realtime, default, daily = reader(Frequency.REALTIME), reader(), reader(Frequency.DAILY)
    weekly, silent = reader(Frequency.WEEKLY), reader(Frequency.NONE)
    users = [realtime, default, daily, weekly, silent]
    created = notify(users, "test_event", {"n": 2}, "/x", "event:2")
    assert len(created) == 5
    mailed = set(db.session.scalars(select(OutboxMessage.user_id)))
    assert mailed == {realtime.id, default.id}
    emailed = {n.user_id: n.emailed_at for n in db.session.scalars(select(Notification)).all()}
    assert emailed[realtime.id] is not None
    assert emailed[daily.id] is None and emailed[weekly.id] is None and emailed[silent.id] is None


def test_inactive_accounts_are_not_notified(reader):
    suspended = reader(status=AccountStatus.SUSPENDED)
    assert notify([suspended, None], "test_event", {}, "/x", "event:3") == []
    assert count(Notification) == 0


def test_a_changed_preference_applies_to_later_notifications(reader):
    user = reader()
    notify([user], "test_event", {"n": 1}, "/x", "event:a")
    set_frequency(user, Frequency.NONE)
    assert frequency_of(user) is Frequency.NONE
    notify([user], "test_event", {"n": 2}, "/x", "event:b")
    assert count(Notification, Notification.user_id == user.id) == 2
    assert count(OutboxMessage, OutboxMessage.user_id == user.id) == 1


def test_followers_hear_about_a_phase_change_once(reader):
    need = make_need()
    fan, other_fan, bystander = reader(), reader(role=Role.DEPARTMENT), reader()
    follow(fan, "need", need.id)
    follow(other_fan, "need", need.id)
    follow(bystander, "call", need.id)  # same id, other kind of subject
    created = notify_followers("need", need.id, "test_event", {"n": 9}, f"/needs/{need.id}", "k")
    again = notify_followers("need", need.id, "test_event", {"n": 9}, f"/needs/{need.id}", "k")
    assert {n.user_id for n in created} == {fan.id, other_fan.id}
    assert again == []
    assert count(Notification, Notification.user_id == bystander.id) == 0


def test_email_links_are_absolute_when_the_public_url_is_known(app, reader, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PUBLIC_URL", "https://mm.example.org/")
    user = reader()
    notify([user], "test_event", {"n": 1}, "/needs/7", "event:abs")
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.user_id == user.id))
    assert "https://mm.example.org/needs/7" in message.body
