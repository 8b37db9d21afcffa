"""Ranked matches for a need or a seed, and who may see them."""

from __future__ import annotations

from dataclasses import dataclass, field

from matchmaker.accounts.models import Role
from matchmaker.accounts.permissions import is_signed_in
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.documents import guess_language
from matchmaker.matching.explain import Explanation
from matchmaker.matching.filters import Filters
from matchmaker.matching.ranker import EmptyCorpus
from matchmaker.matching.records import NEED, SEED, is_matchable, load_records, need_doc, seed_doc
from matchmaker.matching.store import sentence_reader
from matchmaker.needs.models import Need
from matchmaker.seeds.models import Seed

DEFAULT_TOP_K = 10
MMR_DIVERSITY = 0.5
SIGNAL_ORDER = ("semantic", "multilingual", "lexical")


def can_see_need_matches(user, need: Need) -> bool:
    """Staff of the department that posted the need, coordinators and administrators."""
    if not is_signed_in(user):
        return False
    if user.is_staff:
        return True
    return user.role is Role.DEPARTMENT and user.belongs_to(need.organization_id)


def can_see_seed_matches(user, seed: Seed) -> bool:
    """Only members of the organization that registered the seed."""
    return (
        is_signed_in(user) and user.role is Role.PROVIDER and user.belongs_to(seed.organization_id)
    )


@dataclass
class MatchItem:
    """One ranked record with its score and the reasons, ready for a template."""

    record: object
    score: float
    signals: dict[str, float]
    why: Explanation | None
    contributions: list[tuple[str, float]] = field(default_factory=list)

    @property
    def query_sentence_lang(self) -> str:
        return guess_language(self.why.query_sentence) if self.why else ""

    @property
    def match_sentence_lang(self) -> str:
        return guess_language(self.why.match_sentence) if self.why else ""


@dataclass
class MatchResult:
    """A ranking, or why there is none (models unavailable, nothing published yet)."""

    items: list[MatchItem] = field(default_factory=list)
    unavailable: str | None = None
    empty_corpus: bool = False


def _contributions(why: Explanation | None) -> list[tuple[str, float]]:
    shares = (why.contributions if why else {}) or {}
    return [(name, shares[name]) for name in SIGNAL_ORDER if name in shares] + [
        (name, share) for name, share in shares.items() if name not in SIGNAL_ORDER
    ]


def _rank(query_type, doc, corpus_type, filters, diversity, top_k) -> MatchResult:
    try:
        index = runtime.get_index()
        # the shown records' sentence vectors come from the database, stored when encoded
        sentences = sentence_reader(db.session, query_type, corpus_type)
        matches = index.rank(query_type, doc, corpus_type, top_k, filters, diversity, sentences)
    except runtime.MatchingUnavailable as exc:
        return MatchResult(unavailable=exc.reason)
    except EmptyCorpus:
        return MatchResult(empty_corpus=True)
    records = load_records(db.session, corpus_type, [m.id for m in matches])
    items = [
        MatchItem(
            record=records[m.id],
            score=m.score,
            signals=m.signals,
            why=m.why,
            contributions=_contributions(m.why),
        )
        for m in matches
        # a record unpublished a moment ago in another process is skipped, not shown
        if is_matchable(corpus_type, records.get(m.id))
    ]
    return MatchResult(items=items)


def rank_seeds_for_need(
    need: Need, filters: Filters | None = None, diversify: bool = False, top_k: int = DEFAULT_TOP_K
) -> MatchResult:
    """Published seeds that fit the need, best first; filters apply before the cut."""
    diversity = MMR_DIVERSITY if diversify else 0.0
    return _rank(NEED, need_doc(need), SEED, filters, diversity, top_k)


def rank_needs_for_seed(
    seed: Seed, filters: Filters | None = None, diversify: bool = False, top_k: int = DEFAULT_TOP_K
) -> MatchResult:
    """Published needs that the seed could answer, best first."""
    diversity = MMR_DIVERSITY if diversify else 0.0
    return _rank(SEED, seed_doc(seed), NEED, filters, diversity, top_k)
