"""Scheduled notification work, run by `flask jobs run` (each job is idempotent)."""

from __future__ import annotations

from datetime import datetime

from matchmaker.jobs.services import job
from matchmaker.notifications.digests import make_digests
from matchmaker.notifications.mailer import send_outbox
from matchmaker.notifications.subscriptions import check_seed_matches


@job("notifications.seed_matches")
def seed_matches(now: datetime) -> str:
    """New needs that fit subscribed seeds (before the digests, so they can include them)."""
    return check_seed_matches(now)


@job("notifications.digests")
def digests(now: datetime) -> str:
    return make_digests(now)


@job("notifications.send_outbox")
def send(now: datetime) -> str:
    """Last, so the e-mails queued by the other jobs leave in the same run."""
    return send_outbox(now)
