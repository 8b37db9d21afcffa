"""Public seed listing: query-string filters parsed strictly, then search and pagination."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, select

from matchmaker.accounts.models import PROVIDER_ORG_KINDS, Organization, OrgKind
from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.listing import Page, apply_search, paginate, parse_page, search_terms
from matchmaker.seeds.models import Seed, SeedPolicyArea, SeedStatus

ORG_KINDS = tuple(k.value for k in PROVIDER_ORG_KINDS)


@dataclass(frozen=True)
class SeedFilters:
    """What the reader asked for; every value has been checked."""

    q: str = ""
    area: str | None = None
    kind: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    ready: bool = False
    language: str | None = None
    page: int = 1

    @property
    def active(self) -> bool:
        return any(
            (self.q, self.area, self.kind, self.trl_min, self.trl_max, self.ready, self.language)
        )


def _choice(params: Mapping[str, str], name: str, allowed) -> str | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise DomainError(_("The filter “%(name)s” has an unknown value.", name=name))
    return value


def _trl(params: Mapping[str, str], name: str) -> int | None:
    value = (params.get(name) or "").strip()
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 9:
        raise DomainError(_("The TRL filter must be a whole number from 1 to 9."))
    return int(value)


def parse_filters(params: Mapping[str, str]) -> SeedFilters:
    """Turn query parameters into filters; anything unexpected is a 400, never a 500."""
    q = params.get("q") or ""
    search_terms(q)  # raises on an over-long query
    trl_min, trl_max = _trl(params, "trl_min"), _trl(params, "trl_max")
    if trl_min and trl_max and trl_min > trl_max:
        raise DomainError(_("The minimum TRL is higher than the maximum TRL."))
    return SeedFilters(
        q=q.strip(),
        area=_choice(params, "area", taxonomy.POLICY_AREAS),
        kind=_choice(params, "kind", ORG_KINDS),
        trl_min=trl_min,
        trl_max=trl_max,
        ready=_choice(params, "ready", ("0", "1")) == "1",
        language=_choice(params, "language", taxonomy.LANGUAGES),
        page=parse_page(params.get("page")),
    )


def published_seeds_query(filters: SeedFilters) -> Select:
    stmt = select(Seed).where(Seed.status == SeedStatus.PUBLISHED)
    stmt = apply_search(stmt, Seed.search_text, filters.q)
    if filters.area:
        stmt = stmt.where(Seed.policy_area_rows.any(SeedPolicyArea.code == filters.area))
    if filters.kind:
        stmt = stmt.where(Seed.organization.has(Organization.kind == OrgKind(filters.kind)))
    if filters.trl_min:
        stmt = stmt.where(Seed.trl >= filters.trl_min)
    if filters.trl_max:
        stmt = stmt.where(Seed.trl <= filters.trl_max)
    if filters.ready:
        stmt = stmt.where(Seed.ready_for_pilot.is_(True))
    if filters.language:
        stmt = stmt.where(Seed.language == filters.language)
    return stmt.order_by(Seed.published_at.desc(), Seed.id.desc())


def search_seeds(filters: SeedFilters, per_page: int) -> Page:
    return paginate(published_seeds_query(filters), filters.page, per_page)


def organization_seeds(organization_id: int, page: int, per_page: int) -> Page:
    """Every seed of one organization, whatever its status (for its own members)."""
    stmt = (
        select(Seed)
        .where(Seed.organization_id == organization_id)
        .order_by(Seed.updated_at.desc(), Seed.id.desc())
    )
    return paginate(stmt, page, per_page)
