"""The notifications page, read marks, the nav badge and the preferences form."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.notifications.models import Frequency, Notification, NotificationPreference
from matchmaker.notifications.services import notify
from tests.factories import make_user


def send(user, n: int, minutes_ago: int = 0, link: str | None = None) -> Notification:
    (notification,) = notify(
        [user], "test_event", {"n": n}, link if link is not None else f"/needs/{n}", f"e:{n}"
    )
    notification.created_at = utcnow() - timedelta(minutes=minutes_ago)
    db.session.flush()
    return notification


def test_the_list_is_newest_first_with_unread_highlighted(client, login_as):
    user = login_as(Role.PROVIDER)
    send(user, 1, minutes_ago=30)
    read = send(user, 2, minutes_ago=20)
    read.read_at = utcnow()
    send(user, 3, minutes_ago=10)
    send(make_user(), 4)  # someone else's
    html = client.get("/notifications").get_data(as_text=True)
    subjects = re.findall(r"Test event (\d)", html)
    assert subjects == ["3", "2", "1"]
    assert html.count("card notification unread") == 2
    assert f'id="notification-{read.id}"' in html


def test_the_list_is_rendered_in_the_readers_language(client, login_as):
    user = login_as(Role.PROVIDER)
    notify([user], "seed_fit", {"seed_title": "S", "need_title": "N", "score": "1.50"}, "/", "k")
    notify([user], "test_locale", {}, "/", "k2")
    english = client.get("/notifications").get_data(as_text=True)
    assert "A new need fits your seed “S”" in english and "rendered in en" in english
    japanese = client.get("/notifications?lang=ja").get_data(as_text=True)
    assert "rendered in ja" in japanese


def test_pagination_and_bad_page(client, app, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 2)
    user = login_as(Role.PROVIDER)
    for n in range(5):
        send(user, n, minutes_ago=n)
    page3 = client.get("/notifications?page=3").get_data(as_text=True)
    assert re.findall(r"Test event (\d)", page3) == ["4"]
    assert "Page 3 of 3" in page3
    assert client.get("/notifications?page=abc").status_code == 400


def test_the_nav_badge_counts_unread_notifications(client, login_as):
    user = login_as(Role.PROVIDER)
    send(user, 1)
    send(user, 2)
    html = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'class="badge unread-count"[^>]*>2<', html)
    assert 'href="/notifications/preferences"' in html


def test_mark_one_and_all_read(client, login_as):
    user = login_as(Role.PROVIDER)
    one, two, three = send(user, 1), send(user, 2), send(user, 3)
    response = client.post(f"/notifications/{one.id}/read", data={"next": "/notifications?page=1"})
    assert response.status_code == 302 and response.location == "/notifications?page=1"
    assert db.session.get(Notification, one.id).read_at is not None
    assert db.session.get(Notification, two.id).read_at is None

    response = client.post(f"/notifications/{two.id}/open", data={})
    assert response.status_code == 302 and response.location == "/needs/2"
    assert db.session.get(Notification, two.id).read_at is not None

    assert client.post("/notifications/read-all", data={}).status_code == 302
    assert db.session.get(Notification, three.id).read_at is not None
    assert 'class="badge unread-count"' not in client.get("/dashboard").get_data(as_text=True)


def test_someone_elses_notification_is_404(client, login_as):
    other = send(make_user(), 1)
    login_as(Role.PROVIDER)
    assert client.post(f"/notifications/{other.id}/read", data={}).status_code == 404
    assert client.post(f"/notifications/{other.id}/open", data={}).status_code == 404
    assert client.post("/notifications/99999999999/read", data={}).status_code == 404
    assert db.session.get(Notification, other.id).read_at is None


def test_an_unsafe_link_is_not_followed(client, login_as):
    user = login_as(Role.PROVIDER)
    bad = send(user, 1, link="https://evil.example/")
    response = client.post(f"/notifications/{bad.id}/open", data={})
    assert response.location == "/notifications"


def test_preferences_are_saved_and_shown(client, login_as):
    user = login_as(Role.PROVIDER)
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert 'value="realtime" checked' in html or re.search(r'checked[^>]*value="realtime"', html)
    response = client.post("/notifications/preferences", data={"frequency": "weekly"})
    assert response.status_code == 302
    preference = db.session.get(NotificationPreference, user.id)
    assert preference.frequency is Frequency.WEEKLY and preference.last_digest_at is not None
    html = client.get("/notifications/preferences").get_data(as_text=True)
    assert re.search(r'value="weekly" checked|checked[^>]*value="weekly"', html)


def test_a_bad_preference_changes_nothing(client, login_as):
    user = login_as(Role.PROVIDER)
    response = client.post("/notifications/preferences", data={"frequency": "hourly"})
    assert response.status_code == 422
    assert db.session.get(NotificationPreference, user.id) is None
    response = client.post("/notifications/preferences", data={"frequency": "none"}, csrf=False)
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(NotificationPreference)) is None


def test_the_account_page_links_to_preferences(client, login_as):
    login_as(Role.DEPARTMENT)
    html = client.get("/account").get_data(as_text=True)
    assert 'href="/notifications/preferences"' in html
