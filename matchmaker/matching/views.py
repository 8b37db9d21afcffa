"""The match sections of the need and seed pages: access check, filters, ranking, template data."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import get_locale
from werkzeug.datastructures import MultiDict

from matchmaker.common import taxonomy
from matchmaker.common.labels import org_kind_label
from matchmaker.matching import services
from matchmaker.matching.forms import ORG_KINDS, MatchArgs, parse_match_args
from matchmaker.needs.models import Need
from matchmaker.seeds.models import Seed


@dataclass
class MatchSection:
    """Everything the `matching/_section.html` partial shows."""

    kind: str  # "seeds" (on a need page) or "needs" (on a seed page)
    args: MatchArgs
    result: services.MatchResult
    areas: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    org_kinds: list[tuple[str, str]]


def _choices() -> dict:
    locale = str(get_locale() or "ja")
    return {
        "areas": taxonomy.choices(taxonomy.POLICY_AREAS, locale),
        "languages": taxonomy.choices(taxonomy.LANGUAGES, locale),
        "org_kinds": [(k, str(org_kind_label(k))) for k in ORG_KINDS],
    }


def need_section(user, need: Need, args: MultiDict) -> MatchSection | None:
    """Matching seeds for the need's page, or None for readers who may not see them."""
    if not services.can_see_need_matches(user, need):
        return None
    match_args = parse_match_args(args, default_min_trl=need.min_trl)
    result = services.rank_seeds_for_need(need, match_args.filters(), match_args.diversify)
    return MatchSection("seeds", match_args, result, **_choices())


def seed_section(user, seed: Seed, args: MultiDict) -> MatchSection | None:
    """Matching needs for the seed's page, shown only to the organization that owns the seed."""
    if not services.can_see_seed_matches(user, seed):
        return None
    match_args = parse_match_args(args)
    filters = match_args.filters()
    filters.min_trl = None  # needs have no TRL of their own; the form does not offer it here
    filters.org_kinds, filters.ready_for_pilot = [], False
    result = services.rank_needs_for_seed(seed, filters, match_args.diversify)
    return MatchSection("needs", match_args, result, **_choices())
