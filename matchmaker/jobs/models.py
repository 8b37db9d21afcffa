"""One row per job: a lease so two overlapping cron runs never do the same work at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matchmaker.db import Base, UTCDateTime


class JobState(Base):
    __tablename__ = "job_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_owner: Mapped[str] = mapped_column(String(64), default="")
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_result: Mapped[str] = mapped_column(Text, default="")
