"""Calls read side: the public list, a need's calls, a manager's calls, calls for my seeds."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import case, select

from matchmaker.calls.models import PUBLIC_CALL_STATUSES, Call, CallStatus
from matchmaker.calls.services import can_view_call
from matchmaker.common import taxonomy
from matchmaker.common.errors import DomainError
from matchmaker.common.listing import Page, apply_search, paginate, search_terms
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedPolicyArea
from matchmaker.seeds.models import Seed, SeedStatus

S = CallStatus
LISTED = PUBLIC_CALL_STATUSES


@dataclass(frozen=True)
class CallFilters:
    q: str = ""
    status: CallStatus | None = None
    area: str | None = None


def parse_filters(args) -> CallFilters:
    """Validate the list's query string; anything unknown raises DomainError (400)."""
    q = args.get("q", "")
    if any(ord(c) < 32 and c not in "\t" for c in q):
        raise DomainError(_("The search text contains characters that are not allowed."))
    search_terms(q)
    raw = args.get("status") or None
    if raw is not None and raw not in {s.value for s in LISTED}:
        raise DomainError(_("Unknown or unavailable status filter."))
    area = args.get("area") or None
    if area is not None and area not in taxonomy.POLICY_AREAS:
        raise DomainError(_("Unknown policy area."))
    return CallFilters(q=q.strip(), status=CallStatus(raw) if raw else None, area=area)


def search_calls(filters: CallFilters, page: int, per_page: int) -> Page:
    """Public calls, open ones first, then announced, then closed and decided."""
    statuses = (filters.status,) if filters.status else LISTED
    stmt = select(Call).where(Call.status.in_(statuses))
    stmt = apply_search(stmt, Call.search_text, filters.q)
    if filters.area:
        stmt = stmt.where(
            Call.need.has(Need.policy_area_rows.any(NeedPolicyArea.code == filters.area))
        )
    rank = case((Call.status == S.OPEN, 0), (Call.status == S.SCHEDULED, 1), else_=2)
    return paginate(stmt.order_by(rank, Call.closes_at.desc(), Call.id.desc()), page, per_page)


def calls_for_need(user, need: Need) -> list[Call]:
    calls = db.session.scalars(
        select(Call).where(Call.need_id == need.id).order_by(Call.opens_at.desc(), Call.id.desc())
    )
    return [c for c in calls if can_view_call(user, c)]


def managed_calls(user) -> list[Call]:
    """Every call of the user's department (staff: every call), newest first."""
    stmt = select(Call).order_by(Call.updated_at.desc(), Call.id.desc()).limit(200)
    if not user.is_staff:
        stmt = stmt.where(Call.organization_id == user.organization_id)
    return list(db.session.scalars(stmt))


def has_active_call(need_id: int) -> bool:
    active = (S.SCHEDULED, S.OPEN, S.UNDER_EVALUATION)
    stmt = select(Call.id).where(Call.need_id == need_id, Call.status.in_(active)).limit(1)
    return db.session.scalar(stmt) is not None


@dataclass
class SeedCalls:
    seed: Seed
    rows: list[tuple[Call, float]] = field(default_factory=list)
    unavailable: str | None = None
    empty: bool = False


def calls_for_my_seeds(user, top_k: int = 20) -> list[SeedCalls]:
    """For each published seed of the user's organization, the open calls of its best needs."""
    from matchmaker.matching.services import rank_needs_for_seed

    seeds = db.session.scalars(
        select(Seed)
        .where(Seed.organization_id == user.organization_id, Seed.status == SeedStatus.PUBLISHED)
        .order_by(Seed.title)
    ).all()
    out = []
    for seed in seeds:
        result = rank_needs_for_seed(seed, top_k=top_k)
        entry = SeedCalls(seed=seed, unavailable=result.unavailable, empty=result.empty_corpus)
        scores = {item.record.id: item.score for item in result.items}
        if scores:
            calls = db.session.scalars(
                select(Call).where(Call.need_id.in_(scores), Call.status == S.OPEN)
            ).all()
            entry.rows = sorted(((c, scores[c.need_id]) for c in calls), key=lambda r: -r[1])
        out.append(entry)
    return out
