"""Send the outbox over SMTP when it is configured; otherwise keep the messages for the admin.

Each message's status is committed right after its own attempt, so a crash or a second run
never sends a message that was already sent.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import func, select, update

from matchmaker.common.listing import Page, paginate
from matchmaker.extensions import db
from matchmaker.notifications.models import OutboxMessage, OutboxStatus

MAX_ATTEMPTS = 5
BATCH = 200
TIMEOUT_SECONDS = 30
# refusals of one message on a working connection; anything else ends this run's sending
PER_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str


def smtp_settings() -> SmtpSettings | None:
    """None when no MATCHMAKER_SMTP_HOST is configured."""
    cfg = current_app.config
    host = str(cfg.get("MATCHMAKER_SMTP_HOST") or "").strip()
    if not host:
        return None
    return SmtpSettings(
        host=host,
        port=int(cfg.get("MATCHMAKER_SMTP_PORT") or 587),
        user=str(cfg.get("MATCHMAKER_SMTP_USER") or ""),
        password=str(cfg.get("MATCHMAKER_SMTP_PASSWORD") or ""),
        starttls=str(cfg.get("MATCHMAKER_SMTP_STARTTLS", "1")).lower() in ("1", "true", "yes"),
        sender=str(cfg.get("MATCHMAKER_SMTP_FROM") or "matchmaker@localhost"),
    )


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    email.set_content(message.body)
    return email


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    if settings.starttls:
        smtp.starttls(context=ssl.create_default_context())
    if settings.user:
        smtp.login(settings.user, settings.password)
    return smtp


def _pending_ids() -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.id)
            .limit(BATCH)
        )
    )


def store_pending() -> int:
    """No SMTP: every pending message is kept (status STORED) for the admin to read."""
    stored = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.STORED)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return stored


def _failed(message: OutboxMessage, error: Exception) -> None:
    message.attempts += 1
    message.last_error = f"{error.__class__.__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = OutboxStatus.FAILED
    db.session.commit()


def send_outbox(now: datetime) -> str:
    """Send (or store) pending messages; one-line summary for `flask jobs run`."""
    settings = smtp_settings()
    if settings is None:
        return f"{store_pending()} stored (no SMTP configured)"
    sent = failed = 0
    smtp = None
    try:
        for message_id in _pending_ids():
            message = db.session.get(OutboxMessage, message_id)
            if message is None or message.status is not OutboxStatus.PENDING:
                continue
            try:
                if smtp is None:
                    smtp = connect(settings)
                smtp.send_message(build_email(message, settings.sender))
            except (smtplib.SMTPException, OSError) as exc:
                _failed(message, exc)
                failed += 1
                if smtp is None or not isinstance(exc, PER_MESSAGE_ERRORS):
                    break  # the server is unreachable: try the rest on the next run
                continue
            message.status = OutboxStatus.SENT
            message.sent_at = now
            message.attempts += 1
            message.last_error = ""
            db.session.commit()
            sent += 1
    finally:
        if smtp is not None:
            with contextlib.suppress(OSError):  # SMTPException is an OSError
                smtp.quit()
    return f"{sent} sent, {failed} failed"


def list_outbox(page: int, per_page: int, status: OutboxStatus | None = None) -> Page:
    """For the admin: newest first, optionally of one status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status is not None:
        stmt = stmt.where(OutboxMessage.status == status)
    return paginate(stmt, page, per_page)


def outbox_counts() -> dict[str, int]:
    """For the admin index: messages in total, pending and failed (one grouped query)."""
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    ).all()
    by_status = dict(rows)
    return {
        "total": sum(by_status.values()),
        "pending": by_status.get(OutboxStatus.PENDING, 0),
        "failed": by_status.get(OutboxStatus.FAILED, 0),
    }
