"""Notifications (in-app), the e-mail outbox, preferences, follows and seed subscriptions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaker.accounts.models import User, enum_column
from matchmaker.db import Base, UTCDateTime, utcnow
from matchmaker.seeds.models import Seed


class Frequency(StrEnum):
    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    NONE = "none"


class Notification(Base):
    """One thing a user should know; (user, dedupe_key) is unique so it is never sent twice.
    The text is rendered from `kind` and `params` in the reader's language when shown."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("user_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # sent or put in a digest

    user: Mapped[User] = relationship()


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    STORED = "stored"  # no SMTP configured: kept here for the admin to read
    FAILED = "failed"


class OutboxMessage(Base):
    """An e-mail to send (or kept, without SMTP); dedupe_key is unique per message."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NotificationPreference(Base):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency), default=Frequency.REALTIME)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Follow(Base):
    """A user follows a need or a call and hears about its phase changes."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "subject_type", "subject_id"),
        CheckConstraint("subject_type IN ('need', 'call')", name="subject_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject_type: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SeedSubscription(Base):
    """ "Tell me about new needs that fit this seed above a threshold"."""

    __tablename__ = "seed_subscriptions"
    __table_args__ = (UniqueConstraint("seed_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seed_id: Mapped[int] = mapped_column(ForeignKey("seeds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    threshold: Mapped[float] = mapped_column(default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seed: Mapped[Seed] = relationship()
