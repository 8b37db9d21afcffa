"""The optional filters of the analytics page, parsed strictly so bad values give a 400."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import gettext as _

from matchmaker.common.errors import DomainError
from matchmaker.common.listing import date_arg
from matchmaker.common.taxonomy import POLICY_AREAS
from matchmaker.common.timezone import TOKYO

FILTER_NAMES = ("since", "until", "policy_area")


@dataclass(frozen=True)
class Filters:
    """Needs published between since and until (Tokyo dates, inclusive) in one policy area."""

    since: date | None = None
    until: date | None = None
    policy_area: str | None = None

    @property
    def start(self) -> datetime | None:
        """The first instant counted, in UTC."""
        if self.since is None:
            return None
        return datetime.combine(self.since, time(), TOKYO).astimezone(UTC)

    @property
    def end(self) -> datetime | None:
        """The first instant no longer counted (midnight after `until` in Tokyo), in UTC."""
        if self.until is None:
            return None
        return datetime.combine(self.until + timedelta(days=1), time(), TOKYO).astimezone(UTC)

    def as_args(self) -> dict[str, str]:
        """The query string that reproduces these filters (for the CSV links)."""
        args = {
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
            "policy_area": self.policy_area or "",
        }
        return {k: v for k, v in args.items() if v}


def parse_filters(args: Mapping[str, str]) -> Filters:
    """Empty values mean no filter; anything unparseable is refused, never guessed."""
    area = (args.get("policy_area") or "").strip()
    if area and area not in POLICY_AREAS:
        raise DomainError(_("Unknown value for the filter “%(name)s”.", name="policy_area"))
    filters = Filters(
        since=date_arg(args, "since"),
        until=date_arg(args, "until"),
        policy_area=area or None,
    )
    if filters.since and filters.until and filters.since > filters.until:
        raise DomainError(_("The start date is after the end date."))
    return filters
