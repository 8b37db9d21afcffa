"""The figures of the analytics page, each computed from the database for one set of filters.

Definitions (also stated on the page):
- cohort: needs published (published_at set) in the date range and the policy area;
- needs posted: needs that left draft; with a date range, those created in the range;
- calls: published calls (scheduled, open, under evaluation, decided) on cohort needs;
- proposals: proposals on those calls that were submitted, so drafts and withdrawn ones are out;
- selected: of those, the selected ones; projects: projects started from them; adopted: projects
  whose department decided on full adoption;
- first shortlisted pair: the first review event moving a pair of the need to shortlisted or
  invited (inviting is the stronger acceptance), counted in days from the need's publication;
- acceptance rate: pairs now shortlisted or invited over pairs decided (those plus dismissed).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, Select, and_, func, select

from matchmaker.analytics.filters import Filters
from matchmaker.calls.models import PUBLIC_CALL_STATUSES, Call
from matchmaker.extensions import db
from matchmaker.needs.models import Need, NeedPolicyArea, NeedStatus
from matchmaker.projects.models import Kpi, Project, ProjectStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.review.models import PairReview, PairReviewEvent, PairStatus

COUNTED_PROPOSALS = (
    ProposalStatus.SUBMITTED,
    ProposalStatus.SELECTED,
    ProposalStatus.WAITLISTED,
    ProposalStatus.NOT_SELECTED,
)
ACCEPTED_PAIRS = (PairStatus.SHORTLISTED, PairStatus.INVITED)
DECIDED_PAIRS = (*ACCEPTED_PAIRS, PairStatus.DISMISSED)
STAGE_LABELS = {
    "needs_posted": _l("Needs posted"),
    "needs_published": _l("Needs published"),
    "calls": _l("Calls"),
    "proposals": _l("Proposals"),
    "selected": _l("Selected proposals"),
    "projects": _l("Demonstration projects"),
    "adopted": _l("Adopted"),
}


def ratio(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


def _in_range(column, filters: Filters) -> list[ColumnElement[bool]]:
    conditions = []
    if filters.start is not None:
        conditions.append(column >= filters.start)
    if filters.end is not None:
        conditions.append(column < filters.end)
    return conditions


def _in_area(filters: Filters) -> list[ColumnElement[bool]]:
    if not filters.policy_area:
        return []
    areas = select(NeedPolicyArea.need_id).where(NeedPolicyArea.code == filters.policy_area)
    return [Need.id.in_(areas)]


def posted_needs(filters: Filters) -> Select:
    return select(Need.id).where(
        Need.status != NeedStatus.DRAFT, *_in_range(Need.created_at, filters), *_in_area(filters)
    )


def cohort_needs(filters: Filters) -> Select:
    return select(Need.id).where(
        Need.published_at.is_not(None),
        *_in_range(Need.published_at, filters),
        *_in_area(filters),
    )


def cohort_calls(filters: Filters) -> Select:
    return select(Call.id).where(
        Call.need_id.in_(cohort_needs(filters)), Call.status.in_(PUBLIC_CALL_STATUSES)
    )


def counted_proposals(filters: Filters) -> Select:
    return select(Proposal.id).where(
        Proposal.call_id.in_(cohort_calls(filters)), Proposal.status.in_(COUNTED_PROPOSALS)
    )


def selected_proposals(filters: Filters) -> Select:
    return select(Proposal.id).where(
        Proposal.call_id.in_(cohort_calls(filters)), Proposal.status == ProposalStatus.SELECTED
    )


def cohort_projects(filters: Filters) -> Select:
    return select(Project.id).where(Project.proposal_id.in_(selected_proposals(filters)))


def _count(ids: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0


@dataclass(frozen=True)
class Stage:
    key: str
    count: int
    of_previous: float | None  # share of the previous stage
    of_first: float | None  # share of the first stage

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self.key])


def funnel(filters: Filters) -> list[Stage]:
    adopted = cohort_projects(filters).where(Project.status == ProjectStatus.ADOPTED)
    counts = {
        "needs_posted": _count(posted_needs(filters)),
        "needs_published": _count(cohort_needs(filters)),
        "calls": _count(cohort_calls(filters)),
        "proposals": _count(counted_proposals(filters)),
        "selected": _count(selected_proposals(filters)),
        "projects": _count(cohort_projects(filters)),
        "adopted": _count(adopted),
    }
    stages, previous = [], None
    first = counts["needs_posted"]
    for key, count in counts.items():
        of_previous = None if previous is None else ratio(count, previous)
        stages.append(Stage(key, count, of_previous, ratio(count, first)))
        previous = count
    return stages


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


@dataclass(frozen=True)
class TimeToShortlist:
    needs_published: int
    days: list[float]  # one value per need that has a shortlisted pair, in need id order

    @property
    def needs_with_shortlist(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None


def time_to_shortlist(filters: Filters) -> TimeToShortlist:
    rows = db.session.execute(
        select(Need.id, Need.published_at, func.min(PairReviewEvent.created_at))
        .join(PairReview, PairReview.need_id == Need.id)
        .join(PairReviewEvent, PairReviewEvent.pair_review_id == PairReview.id)
        .where(
            Need.id.in_(cohort_needs(filters)),
            PairReviewEvent.to_status.in_([s.value for s in ACCEPTED_PAIRS]),
        )
        .group_by(Need.id, Need.published_at)
        .order_by(Need.id)
    ).all()
    days = [
        max(0.0, (_aware(first) - _aware(published)).total_seconds() / 86400)
        for _, published, first in rows
    ]
    return TimeToShortlist(_count(cohort_needs(filters)), days)


@dataclass(frozen=True)
class Acceptance:
    by_status: dict[str, int]

    @property
    def accepted(self) -> int:
        return sum(self.by_status.get(s.value, 0) for s in ACCEPTED_PAIRS)

    @property
    def decided(self) -> int:
        return sum(self.by_status.get(s.value, 0) for s in DECIDED_PAIRS)

    @property
    def rate(self) -> float | None:
        return ratio(self.accepted, self.decided)


def acceptance(filters: Filters) -> Acceptance:
    rows = db.session.execute(
        select(PairReview.status, func.count())
        .where(PairReview.need_id.in_(cohort_needs(filters)))
        .group_by(PairReview.status)
    ).all()
    by_status = {s.value: 0 for s in PairStatus}
    for status, count in rows:
        by_status[PairStatus(status).value] = count
    return Acceptance(by_status)


@dataclass(frozen=True)
class CallRow:
    call_id: int
    title: str
    need_title: str
    proposals: int


def proposals_per_call(filters: Filters) -> list[CallRow]:
    counted = and_(Proposal.call_id == Call.id, Proposal.status.in_(COUNTED_PROPOSALS))
    rows = db.session.execute(
        select(Call.id, Call.title, Need.title, func.count(Proposal.id))
        .join(Need, Need.id == Call.need_id)
        .outerjoin(Proposal, counted)
        .where(Call.id.in_(cohort_calls(filters)))
        .group_by(Call.id, Call.title, Need.title)
        .order_by(Call.id)
    ).all()
    return [CallRow(*row) for row in rows]


def mean_proposals(rows: list[CallRow]) -> float | None:
    return ratio(sum(r.proposals for r in rows), len(rows))


@dataclass(frozen=True)
class KpiSummary:
    defined: int
    measured: int
    met: int

    @property
    def rate(self) -> float | None:
        return ratio(self.met, self.measured)


def kpi_summary(filters: Filters) -> KpiSummary:
    kpis = db.session.scalars(select(Kpi).where(Kpi.project_id.in_(cohort_projects(filters)))).all()
    measured = [k for k in kpis if k.is_met is not None]
    return KpiSummary(len(kpis), len(measured), sum(1 for k in measured if k.is_met))


@dataclass(frozen=True)
class Report:
    filters: Filters
    funnel: list[Stage]
    time_to_shortlist: TimeToShortlist
    acceptance: Acceptance
    calls: list[CallRow]
    kpis: KpiSummary

    @property
    def mean_proposals(self) -> float | None:
        return mean_proposals(self.calls)


def report(filters: Filters) -> Report:
    """Every figure of the page for one set of filters."""
    return Report(
        filters,
        funnel(filters),
        time_to_shortlist(filters),
        acceptance(filters),
        proposals_per_call(filters),
        kpi_summary(filters),
    )
