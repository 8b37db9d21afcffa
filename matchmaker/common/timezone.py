"""Times are stored in UTC and entered and shown in Asia/Tokyo, the city's own clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


def from_tokyo(local: datetime) -> datetime:
    """A wall-clock time typed in Tokyo (naive, as a form gives it) as aware UTC."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=TOKYO)
    return local.astimezone(UTC)


def to_tokyo(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TOKYO)


def format_tokyo(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """For templates: the moment in Tokyo time with its zone, e.g. 2026-12-01 17:00 JST."""
    local = to_tokyo(moment)
    return f"{local.strftime(pattern)} JST" if local else ""
