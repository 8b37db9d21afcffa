"""Rank a call's proposals by weighted score, with the reviewers' spread and a server-drawn chart.

A proposal's weighted score is Σ over criteria of (weight / total weight) × the mean of the
reviewers' scores on that criterion (scale 1–5). Only complete reviews (every criterion scored)
by reviewers who may still review the proposal count. The spread is max − min of the reviewers'
own weighted totals.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from matchmaker.accounts.models import User
from matchmaker.calls.models import Call
from matchmaker.evaluation.models import ConflictOfInterest, ReviewerAssignment, Score
from matchmaker.evaluation.services import ACTIVE_ASSIGNMENT, REVIEWABLE
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal

LARGE_SPREAD = 1.5


@dataclass
class Summary:
    """The numbers for one proposal, computed from plain values (so the maths is testable)."""

    weighted: float | None
    reviews: int
    spread: float | None
    criterion_means: dict[int, float] = field(default_factory=dict)
    reviewer_totals: list[float] = field(default_factory=list)

    @property
    def large_spread(self) -> bool:
        return self.spread is not None and self.spread >= LARGE_SPREAD


def summarize(weights: dict[int, int], by_reviewer: dict[int, dict[int, int]]) -> Summary:
    """weights: criterion id -> weight; by_reviewer: reviewer id -> {criterion id: 1..5}."""
    total_weight = sum(weights.values())
    complete = [v for v in by_reviewer.values() if weights and set(weights) <= set(v)]
    if not complete or total_weight <= 0:
        return Summary(weighted=None, reviews=0, spread=None)
    means = {c: sum(v[c] for v in complete) / len(complete) for c in weights}
    weighted = sum(weights[c] / total_weight * means[c] for c in weights)
    totals = [sum(weights[c] / total_weight * v[c] for c in weights) for v in complete]
    spread = max(totals) - min(totals) if len(totals) > 1 else None
    return Summary(weighted, len(complete), spread, means, totals)


@dataclass
class Ranked:
    proposal: Proposal
    summary: Summary
    rank: int | None = None


def rank_call(call: Call) -> list[Ranked]:
    """Every submitted or decided proposal of the call, best weighted score first."""
    proposals = list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.call_id == call.id, Proposal.status.in_(REVIEWABLE))
            .order_by(Proposal.id)
        )
    )
    weights = {c.id: c.weight for c in call.criteria}
    panel = dict(
        db.session.execute(
            select(ReviewerAssignment.reviewer_id, User.organization_id)
            .join(User, User.id == ReviewerAssignment.reviewer_id)
            .where(
                ReviewerAssignment.call_id == call.id,
                ReviewerAssignment.status.in_(ACTIVE_ASSIGNMENT),
            )
        ).all()
    )
    conflicted = set(
        db.session.execute(
            select(ConflictOfInterest.reviewer_id, ConflictOfInterest.organization_id).where(
                ConflictOfInterest.call_id == call.id
            )
        ).all()
    )
    org_of = {p.id: p.organization_id for p in proposals}
    values: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    scores = db.session.execute(
        select(Score.proposal_id, Score.reviewer_id, Score.criterion_id, Score.value).where(
            Score.proposal_id.in_(list(org_of))
        )
    )
    for proposal_id, reviewer_id, criterion_id, value in scores:
        org = org_of[proposal_id]
        if reviewer_id not in panel or panel[reviewer_id] == org:
            continue  # removed from the panel, or a member of the proposing organization
        if (reviewer_id, org) in conflicted or criterion_id not in weights:
            continue
        values[proposal_id][reviewer_id][criterion_id] = value
    ranked = [Ranked(p, summarize(weights, values.get(p.id, {}))) for p in proposals]
    ranked.sort(key=lambda r: (r.summary.weighted is None, -(r.summary.weighted or 0)))
    position = 0
    for item in ranked:
        if item.summary.weighted is not None:
            position += 1
            item.rank = position
    return ranked


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float
    large_spread: bool


@dataclass(frozen=True)
class Chart:
    """Geometry for a horizontal bar chart drawn as SVG in the template (no script)."""

    width: int
    height: int
    label_width: int
    plot_width: int
    row: int
    bars: list[Bar]
    ticks: list[tuple[int, float]]


def chart(ranked: list[Ranked], max_label: int = 28) -> Chart | None:
    """Bars for the scored proposals on a 0–5 scale; None when nothing is scored yet."""
    scored = [r for r in ranked if r.summary.weighted is not None]
    if not scored:
        return None
    label_width, plot_width, row = 230, 330, 26
    bars = []
    for i, item in enumerate(scored):
        title = item.proposal.title
        label = title if len(title) <= max_label else title[: max_label - 1] + "…"
        value = round(item.summary.weighted, 2)
        bars.append(
            Bar(label, value, 10 + i * row, plot_width * value / 5, item.summary.large_spread)
        )
    ticks = [(n, label_width + plot_width * n / 5) for n in range(6)]
    height = 10 + len(bars) * row + 20
    return Chart(label_width + plot_width + 50, height, label_width, plot_width, row, bars, ticks)
