"""Notification preference and seed subscription forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, RadioField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from matchmaker.notifications.models import Frequency, OutboxStatus
from matchmaker.notifications.subscriptions import (
    DEFAULT_THRESHOLD,
    MAX_THRESHOLD,
    MIN_THRESHOLD,
)

FREQUENCY_LABELS = {
    Frequency.REALTIME: _l("Real time: an e-mail for each notification"),
    Frequency.DAILY: _l("Daily digest: one e-mail each morning"),
    Frequency.WEEKLY: _l("Weekly digest: one e-mail each Monday morning"),
    Frequency.NONE: _l("No e-mail: notifications on this site only"),
}

OUTBOX_STATUS_LABELS = {
    OutboxStatus.PENDING.value: _l("Pending"),
    OutboxStatus.SENT.value: _l("Sent"),
    OutboxStatus.STORED.value: _l("Stored (no SMTP)"),
    OutboxStatus.FAILED.value: _l("Failed"),
}


class PreferenceForm(FlaskForm):
    frequency = RadioField(
        _l("E-mail me"),
        choices=[(f.value, label) for f, label in FREQUENCY_LABELS.items()],
        validators=[InputRequired()],
    )


def finite(_form, field) -> None:
    """NaN and Infinity parse as decimals but are not scores (and break comparisons)."""
    if field.data is None or not field.data.is_finite():
        raise StopValidation(str(_l("Enter a number such as 1.0.")))


class SubscriptionForm(FlaskForm):
    threshold = DecimalField(
        _l("Minimum match score"),
        default=DEFAULT_THRESHOLD,
        places=2,
        validators=[
            InputRequired(),
            finite,
            NumberRange(min=MIN_THRESHOLD, max=MAX_THRESHOLD),
        ],
    )
