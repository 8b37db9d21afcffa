"""Notification fixtures: a kind to send, readers with each e-mail frequency, a fake SMTP."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime

import pytest
from flask_babel import get_locale
from flask_babel import gettext as _

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.notifications.kinds import notice_kind
from matchmaker.notifications.models import Frequency, NotificationPreference
from tests.factories import make_user

# 2026-12-01 is a Tuesday; 00:00 UTC is 09:00 in Tokyo (after the digest hour)
TUESDAY_9AM_TOKYO = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@notice_kind("test_event")
def _test_event(params):
    return _("Test event %(n)s", n=params.get("n", "")), f"body of {params.get('n', '')}"


@notice_kind("test_locale")
def _test_locale(params):
    return f"rendered in {get_locale()}", ""


@pytest.fixture
def reader():
    """Make an active user with an e-mail frequency (None = no preference row: real time)."""

    def _make(frequency: Frequency | None = None, role: Role = Role.PROVIDER, **kw):
        user = make_user(role, **kw)
        user.locale = "en"
        if frequency is not None:
            db.session.add(NotificationPreference(user_id=user.id, frequency=frequency))
        db.session.flush()
        return user

    return _make


class FakeSMTP:
    """Stands in for smtplib.SMTP: records what was sent; `fail` makes send_message raise."""

    instances: list[FakeSMTP] = []
    sent: list = []
    fail: Exception | None = None
    fail_connect: Exception | None = None

    def __init__(self, host, port, timeout=None):
        if FakeSMTP.fail_connect is not None:
            raise FakeSMTP.fail_connect
        self.host, self.port = host, port
        self.started_tls = False
        self.logged_in = None
        self.closed = False
        FakeSMTP.instances.append(self)

    def starttls(self, context=None):
        self.started_tls = True

    def login(self, user, password):
        self.logged_in = (user, password)

    def send_message(self, message):
        if FakeSMTP.fail is not None:
            raise FakeSMTP.fail
        FakeSMTP.sent.append(message)

    def quit(self):
        self.closed = True


@pytest.fixture
def fake_smtp(app, monkeypatch):
    FakeSMTP.instances, FakeSMTP.sent = [], []
    FakeSMTP.fail = FakeSMTP.fail_connect = None
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_HOST", "smtp.example.org")
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_PORT", 2525)
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_USER", "mailer")
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_PASSWORD", "mail-secret")
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_FROM", "noreply@example.org")
    return FakeSMTP


@pytest.fixture
def no_smtp(app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_HOST", "")
