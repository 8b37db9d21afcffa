"""The matcher's part of the dashboards: needs that fit a provider's seeds, and how many new
pairs wait in each need's review queue. Both say so, instead of failing, when it is down."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from matchmaker.calls.models import Call, CallStatus
from matchmaker.extensions import db
from matchmaker.matching import services as matching
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.review.models import PairReview, PairStatus
from matchmaker.review.queue import QUEUE_SIZE
from matchmaker.seeds.models import Seed, SeedStatus

FITS_PER_SEED = 3
MAX_SEEDS = 5  # the organization's most recently published seeds that are ranked
MAX_QUEUES = 10


@dataclass
class Fit:
    """A published need, its best score over the seeds it fits, those seeds, and an open call."""

    need: Need
    score: float
    seeds: list[Seed] = field(default_factory=list)
    open_call: Call | None = None


@dataclass
class Fits:
    items: list[Fit] = field(default_factory=list)
    seeds: int = 0  # published seeds ranked
    unavailable: str | None = None  # the matcher's reason (a WarmingStatus while it warms up)
    empty_corpus: bool = False


def _open_calls(need_ids: list[int]) -> dict[int, Call]:
    if not need_ids:
        return {}
    calls = db.session.scalars(
        select(Call)
        .where(Call.need_id.in_(need_ids), Call.status == CallStatus.OPEN)
        .order_by(Call.closes_at.desc())
    )
    return {call.need_id: call for call in calls}


def provider_fits(org_id: int) -> Fits:
    """Top FITS_PER_SEED needs for each published seed, merged by need, best score first."""
    seeds = db.session.scalars(
        select(Seed)
        .where(Seed.organization_id == org_id, Seed.status == SeedStatus.PUBLISHED)
        .order_by(Seed.published_at.desc(), Seed.id.desc())
        .limit(MAX_SEEDS)
    ).all()
    fits = Fits(seeds=len(seeds))
    merged: dict[int, Fit] = {}
    for seed in seeds:
        result = matching.rank_needs_for_seed(seed, top_k=FITS_PER_SEED)
        if result.unavailable:
            return Fits(seeds=len(seeds), unavailable=result.unavailable)
        fits.empty_corpus = fits.empty_corpus or result.empty_corpus
        for item in result.items:
            need = item.record
            if need.status is not NeedStatus.PUBLISHED:
                continue
            fit = merged.setdefault(need.id, Fit(need, float(item.score)))
            fit.score = max(fit.score, float(item.score))
            fit.seeds.append(seed)
    calls = _open_calls(list(merged))
    for fit in merged.values():
        fit.open_call = calls.get(fit.need.id)
    fits.items = sorted(merged.values(), key=lambda f: (-f.score, f.need.id))
    return fits


@dataclass
class QueueRow:
    """A published need's review queue: decided pairs, and new ones (None: matcher down)."""

    need: Need
    decided: int
    new: int | None


def review_queues(limit: int = MAX_QUEUES) -> tuple[list[QueueRow], bool]:
    """The most recently published needs; a pair is new when the matcher ranks the seed in the
    need's queue (top QUEUE_SIZE) and no coordinator has decided it yet."""
    decided_pairs = (
        select(PairReview.need_id, func.count().label("n"))
        .where(PairReview.status != PairStatus.NEW)
        .group_by(PairReview.need_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Need, func.coalesce(decided_pairs.c.n, 0))
        .outerjoin(decided_pairs, decided_pairs.c.need_id == Need.id)
        .where(Need.status == NeedStatus.PUBLISHED)
        .order_by(Need.published_at.desc(), Need.id.desc())
        .limit(limit)
    ).all()
    queues, unavailable = [], False
    for need, decided in rows:
        new = None
        if not unavailable:
            result = matching.rank_seeds_for_need(need, top_k=QUEUE_SIZE)
            unavailable = bool(result.unavailable)
            if not unavailable:
                new = _undecided(need.id, [i.record.id for i in result.items])
        queues.append(QueueRow(need, int(decided), new))
    if unavailable:
        queues = [QueueRow(q.need, q.decided, None) for q in queues]
    return queues, unavailable


def _undecided(need_id: int, seed_ids: list[int]) -> int:
    if not seed_ids:
        return 0
    decided = set(
        db.session.scalars(
            select(PairReview.seed_id).where(
                PairReview.need_id == need_id,
                PairReview.seed_id.in_(seed_ids),
                PairReview.status != PairStatus.NEW,
            )
        )
    )
    return len(set(seed_ids) - decided)
