"""The admin's outbox page: newest first, statuses, paging, a message's full text."""

from __future__ import annotations

import re
from datetime import timedelta

from matchmaker.accounts.models import Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.notifications.models import OutboxMessage, OutboxStatus


def message(n: int, status=OutboxStatus.STORED, minutes_ago: int = 0, **kw) -> OutboxMessage:
    row = OutboxMessage(
        to_address=f"r{n}@example.org",
        subject=f"Subject {n}",
        body=f"Line one of {n}\nLine two <b>{n}</b>",
        dedupe_key=f"admin:{n}",
        status=status,
        created_at=utcnow() - timedelta(minutes=minutes_ago),
        **kw,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_the_outbox_lists_newest_first_with_status(client, login_as, app):
    message(1, minutes_ago=30)
    message(2, OutboxStatus.FAILED, minutes_ago=20, attempts=5, last_error="SMTPDataError")
    message(3, OutboxStatus.SENT, minutes_ago=10)
    login_as(Role.ADMIN)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert re.findall(r"Subject (\d)", html) == ["3", "2", "1"]
    assert "Stored (no SMTP)" in html and "Failed" in html and "Sent" in html
    assert "No SMTP server is configured" in html
    failed = client.get("/admin/outbox?status=failed").get_data(as_text=True)
    assert re.findall(r"Subject (\d)", failed) == ["2"]
    assert client.get("/admin/outbox?status=bogus").status_code == 400
    assert client.get("/admin/outbox?page=x").status_code == 400


def test_the_outbox_is_paginated(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 2)
    for n in range(5):
        message(n, minutes_ago=n)
    login_as(Role.ADMIN)
    html = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert re.findall(r"Subject (\d)", html) == ["2", "3"]
    assert "Page 2 of 3" in html


def test_a_message_shows_its_full_text_escaped(client, login_as):
    row = message(7, OutboxStatus.FAILED, attempts=5, last_error="SMTPDataError: 554")
    login_as(Role.ADMIN)
    html = client.get(f"/admin/outbox/{row.id}").get_data(as_text=True)
    assert "Line one of 7\nLine two &lt;b&gt;7&lt;/b&gt;" in html
    assert "SMTPDataError: 554" in html and "admin:7" in html
    assert client.get("/admin/outbox/999999").status_code == 404


def test_the_admin_index_links_to_the_outbox(client, login_as):
    message(1, OutboxStatus.PENDING)
    login_as(Role.ADMIN)
    html = client.get("/admin").get_data(as_text=True)
    assert 'href="/admin/outbox"' in html
    assert "1 pending · 0 failed" in html
