"""The review queue of a need: ranked seeds (re-ranked by the learner once it is trained), each
with its pair status, notes and history, plus the decided pairs that left the ranking."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matchmaker.common import taxonomy
from matchmaker.common.labels import org_kind_label
from matchmaker.extensions import db
from matchmaker.matching import runtime, services
from matchmaker.matching.config import load_matching_config
from matchmaker.matching.forms import ORG_KINDS, MatchArgs
from matchmaker.matching.learner import MatchLearner, need_doc_of, seed_doc_of
from matchmaker.matching.learner import train_from_decisions as _train
from matchmaker.needs.models import Need
from matchmaker.review.models import PairNote, PairReview, PairReviewEvent, PairStatus
from matchmaker.seeds.models import Seed

QUEUE_SIZE = 30


@dataclass
class QueueEntry:
    """One seed in the queue: the matcher's item (None once it left the ranking) and its pair."""

    seed: Seed
    item: services.MatchItem | None
    pair: PairReview | None
    notes: list[PairNote] = field(default_factory=list)
    events: list[PairReviewEvent] = field(default_factory=list)

    @property
    def status(self) -> PairStatus:
        return self.pair.status if self.pair else PairStatus.NEW

    @property
    def version(self) -> int:
        return self.pair.version if self.pair else 0

    @property
    def score(self) -> float | None:
        return self.item.score if self.item else (self.pair.score if self.pair else None)


@dataclass
class ReviewQueue:
    """What templates/review/queue.html shows; `kind`, `args` and the choices feed the filters."""

    need: Need
    args: MatchArgs
    status: str
    ranked: list[QueueEntry]
    decided: list[QueueEntry]
    counts: dict[str, int]
    unavailable: str | None = None
    empty_corpus: bool = False
    learned_from: int | None = None  # decisions the learner was trained on, None: fusion order
    kind: str = "seeds"
    areas: list = field(default_factory=list)
    languages: list = field(default_factory=list)
    org_kinds: list = field(default_factory=list)


@dataclass
class _Ranked:
    """The shape MatchLearner.rerank expects: an id and the signal values."""

    id: int
    signals: dict
    item: services.MatchItem


def train_learner() -> MatchLearner | None:
    """The learner on every recorded decision, or None when the configuration cannot be read."""
    try:
        config = load_matching_config(runtime.config_path())
    except (OSError, ValueError):
        return None
    return _train(db.session, config)


def learned_order(learner: MatchLearner, need: Need, items: list) -> list:
    wrapped = [_Ranked(i.record.id, i.signals, i) for i in items]
    seeds = {i.record.id: seed_doc_of(i.record) for i in items}
    reranked = learner.rerank(need_doc_of(need), wrapped, seeds, need.min_trl)
    return [r.item for r in reranked]


def ranked_signals(need: Need) -> dict[int, tuple[float, dict]]:
    """The unfiltered ranking's (score, signals) per seed id: kept with each decision."""
    result = services.rank_seeds_for_need(need, top_k=QUEUE_SIZE)
    return {i.record.id: (round(float(i.score), 4), dict(i.signals)) for i in result.items}


def _choices() -> dict:
    locale = str(get_locale() or "ja")
    return {
        "areas": taxonomy.choices(taxonomy.POLICY_AREAS, locale),
        "languages": taxonomy.choices(taxonomy.LANGUAGES, locale),
        "org_kinds": [(k, str(org_kind_label(k))) for k in ORG_KINDS],
    }


def _history(pair_ids: list[int]) -> tuple[dict, dict]:
    notes, events = defaultdict(list), defaultdict(list)
    if not pair_ids:
        return notes, events
    for note in db.session.scalars(
        select(PairNote)
        .where(PairNote.pair_review_id.in_(pair_ids))
        .options(selectinload(PairNote.author))
        .order_by(PairNote.created_at, PairNote.id)
    ):
        notes[note.pair_review_id].append(note)
    for event in db.session.scalars(
        select(PairReviewEvent)
        .where(PairReviewEvent.pair_review_id.in_(pair_ids))
        .options(selectinload(PairReviewEvent.actor))
        .order_by(PairReviewEvent.created_at.desc(), PairReviewEvent.id.desc())
    ):
        events[event.pair_review_id].append(event)
    return notes, events


def build_queue(need: Need, args: MatchArgs, status: str = "") -> ReviewQueue:
    """The ranked seeds (filters before the cut, as on the need page) and every decided pair."""
    result = services.rank_seeds_for_need(need, args.filters(), args.diversify, top_k=QUEUE_SIZE)
    items, learned_from = result.items, None
    learner = train_learner() if len(items) > 1 else None
    if learner is not None and learner.ready:
        items = learned_order(learner, need, items)
        learned_from = learner.positives + learner.negatives
    pairs = {
        p.seed_id: p
        for p in db.session.scalars(
            select(PairReview)
            .where(PairReview.need_id == need.id)
            .options(selectinload(PairReview.seed).selectinload(Seed.organization))
            .order_by(PairReview.updated_at.desc(), PairReview.id.desc())
        )
    }
    notes, events = _history([p.id for p in pairs.values()])

    def entry(seed, item, pair):
        key = pair.id if pair else None
        return QueueEntry(seed, item, pair, notes.get(key, []), events.get(key, []))

    ranked = [entry(i.record, i, pairs.get(i.record.id)) for i in items]
    in_ranking = {e.seed.id for e in ranked}
    decided = [
        entry(p.seed, None, p)
        for seed_id, p in pairs.items()
        if seed_id not in in_ranking and p.status is not PairStatus.NEW
    ]
    counts = {s.value: 0 for s in PairStatus}
    for e in ranked + decided:
        counts[e.status.value] += 1
    if status:
        ranked = [e for e in ranked if e.status.value == status]
        decided = [e for e in decided if e.status.value == status]
    return ReviewQueue(
        need=need,
        args=args,
        status=status,
        ranked=ranked,
        decided=decided,
        counts=counts,
        unavailable=result.unavailable,
        empty_corpus=result.empty_corpus,
        learned_from=learned_from,
        **_choices(),
    )
