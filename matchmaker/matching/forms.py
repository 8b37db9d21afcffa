"""The GET filter form of the match sections: parsed strictly, bad values give a 400."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from matchmaker.accounts.models import PROVIDER_ORG_KINDS
from matchmaker.common import taxonomy
from matchmaker.matching.filters import Filters

ORG_KINDS = tuple(k.value for k in PROVIDER_ORG_KINDS)
CHECKED = ("1", "on", "true", "y", "yes")


@dataclass(frozen=True)
class MatchArgs:
    """The filter form's values; `submitted` tells a blank minimum TRL from the default."""

    submitted: bool = False
    area: str = ""
    min_trl: int | None = None
    org_kind: str = ""
    ready: bool = False
    language: str = ""
    diversify: bool = False

    def filters(self) -> Filters:
        return Filters(
            policy_areas=[self.area] if self.area else [],
            min_trl=self.min_trl,
            org_kinds=[self.org_kind] if self.org_kind else [],
            ready_for_pilot=self.ready,
            languages=[self.language] if self.language else [],
        )


def _choice(args: MultiDict, name: str, allowed) -> str:
    value = (args.get(name) or "").strip()
    if value and value not in allowed:
        raise BadRequest(_("Unknown value for the filter “%(name)s”.", name=name))
    return value


def _flag(args: MultiDict, name: str) -> bool:
    return (args.get(name) or "").strip().lower() in CHECKED


def parse_match_args(args: MultiDict, default_min_trl: int | None = None) -> MatchArgs:
    """Read the filters from the query string; before the form is sent, the TRL default holds."""
    submitted = "match" in args
    raw_trl = (args.get("min_trl") or "").strip()
    if raw_trl:
        if not (raw_trl.isascii() and raw_trl.isdigit() and 1 <= int(raw_trl) <= 9):
            raise BadRequest(_("The minimum TRL must be between 1 and 9."))
        min_trl: int | None = int(raw_trl)
    else:
        min_trl = None if submitted else default_min_trl
    return MatchArgs(
        submitted=submitted,
        area=_choice(args, "area", taxonomy.POLICY_AREAS),
        min_trl=min_trl,
        org_kind=_choice(args, "org_kind", ORG_KINDS),
        ready=_flag(args, "ready"),
        language=_choice(args, "language", taxonomy.LANGUAGES),
        diversify=_flag(args, "diversify"),
    )
