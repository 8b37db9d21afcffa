"""Sending the outbox: SMTP when configured (with retries), stored for the admin otherwise."""

from __future__ import annotations

import smtplib

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.notifications.mailer import MAX_ATTEMPTS, send_outbox
from matchmaker.notifications.models import OutboxMessage, OutboxStatus
from tests.notifications.conftest import TUESDAY_9AM_TOKYO as NOW


def queue(n: int = 1) -> list[OutboxMessage]:
    rows = [
        OutboxMessage(
            to_address=f"reader{i}@example.org",
            subject=f"Subject {i}",
            body=f"Body {i}",
            dedupe_key=f"test:{i}",
        )
        for i in range(n)
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def reload(rows) -> list[OutboxMessage]:
    db.session.expire_all()
    return [db.session.get(OutboxMessage, r.id) for r in rows]


def test_without_smtp_messages_are_stored_for_the_admin(no_smtp):
    rows = queue(2)
    assert send_outbox(NOW) == "2 stored (no SMTP configured)"
    assert [r.status for r in reload(rows)] == [OutboxStatus.STORED] * 2
    assert send_outbox(NOW) == "0 stored (no SMTP configured)"


def test_smtp_sends_each_message_once(fake_smtp):
    rows = queue(2)
    assert send_outbox(NOW) == "2 sent, 0 failed"
    assert send_outbox(NOW) == "0 sent, 0 failed"
    assert [m["Subject"] for m in fake_smtp.sent] == ["Subject 0", "Subject 1"]
    assert fake_smtp.sent[0]["To"] == "reader0@example.org"
    assert fake_smtp.sent[0]["From"] == "noreply@example.org"
    assert fake_smtp.sent[0].get_content().strip() == "Body 0"
    (smtp,) = fake_smtp.instances
    assert (smtp.host, smtp.port) == ("smtp.example.org", 2525)
    assert smtp.started_tls and smtp.logged_in == ("mailer", "mail-secret") and smtp.closed
    for row in reload(rows):
        assert row.status is OutboxStatus.SENT and row.sent_at == NOW and row.attempts == 1


def test_a_failure_is_retried_and_then_marked_failed(fake_smtp):
    (row,) = queue(1)
    fake_smtp.fail = smtplib.SMTPRecipientsRefused({"reader0@example.org": (550, b"no")})
    for attempt in range(1, MAX_ATTEMPTS):
        assert send_outbox(NOW) == "0 sent, 1 failed"
        (row,) = reload([row])
        assert row.status is OutboxStatus.PENDING and row.attempts == attempt
        assert "SMTPRecipientsRefused" in row.last_error
    assert send_outbox(NOW) == "0 sent, 1 failed"
    (row,) = reload([row])
    assert row.status is OutboxStatus.FAILED and row.attempts == MAX_ATTEMPTS
    fake_smtp.fail = None
    assert send_outbox(NOW) == "0 sent, 0 failed"  # a failed message is not retried again
    assert fake_smtp.sent == []


def test_a_transient_failure_then_success(fake_smtp):
    rows = queue(2)
    fake_smtp.fail_connect = ConnectionRefusedError("connection refused")
    assert send_outbox(NOW) == "0 sent, 1 failed"  # the server is down: the rest waits
    first, second = reload(rows)
    assert first.attempts == 1 and "ConnectionRefusedError" in first.last_error
    assert second.attempts == 0 and second.status is OutboxStatus.PENDING
    fake_smtp.fail_connect = None
    assert send_outbox(NOW) == "2 sent, 0 failed"
    first, second = reload(rows)
    assert first.status is second.status is OutboxStatus.SENT
    assert first.last_error == "" and first.attempts == 2


def test_without_starttls_or_login(app, fake_smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_STARTTLS", "0")
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_USER", "")
    queue(1)
    send_outbox(NOW)
    (smtp,) = fake_smtp.instances
    assert not smtp.started_tls and smtp.logged_in is None


def test_stored_messages_stay_stored_once_smtp_is_configured(app, no_smtp, monkeypatch):
    queue(1)
    send_outbox(NOW)
    from tests.notifications.conftest import FakeSMTP

    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_HOST", "smtp.example.org")
    send_outbox(NOW)
    assert FakeSMTP.sent == []
    assert db.session.scalar(select(OutboxMessage.status)) is OutboxStatus.STORED
