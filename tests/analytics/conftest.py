"""A database with known counts for every analytics figure (the numbers are in KNOWN)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.accounts.models import OrgKind
from matchmaker.calls.models import CallStatus
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.projects.models import Kpi, KpiDirection, Project, ProjectStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.review.models import PairReview, PairReviewEvent, PairStatus
from tests.calls.conftest import make_call
from tests.factories import make_need, make_org, make_seed

P = ProposalStatus


def need_at(published: datetime | None, status=NeedStatus.PUBLISHED, **kw):
    """A need created an hour before its publication (or at `created` when never published)."""
    created = kw.pop("created", None) or published - timedelta(hours=1)
    need = make_need(status=status, created_at=created, **kw)
    need.published_at = published
    db.session.flush()
    return need


def proposals(call, statuses, title="提案"):
    made = []
    for status in statuses:
        org = make_org(OrgKind.STARTUP)
        made.append(Proposal(call_id=call.id, organization_id=org.id, status=status, title=title))
    db.session.add_all(made)
    db.session.flush()
    return made


def project(proposal, call, status, kpis=()):
    row = Project(
        proposal_id=proposal.id,
        call_id=call.id,
        need_id=call.need_id,
        department_org_id=call.organization_id,
        provider_org_id=proposal.organization_id,
        title=f"実証 {proposal.id}",
        status=status,
    )
    row.kpis = [
        Kpi(name=f"KPI {i}", direction=d, target=t, actual=a) for i, (d, t, a) in enumerate(kpis)
    ]
    db.session.add(row)
    db.session.flush()
    return row


def pair(need, seed, status, *events):
    """A pair in `status` with its history: (days after publication, from, to) per event."""
    review = PairReview(need_id=need.id, seed_id=seed.id, status=status)
    db.session.add(review)
    db.session.flush()
    for days, old, new in events:
        db.session.add(
            PairReviewEvent(
                pair_review_id=review.id,
                action=new,
                from_status=old,
                to_status=new,
                created_at=need.published_at + timedelta(days=days),
            )
        )
    db.session.flush()
    return review


@dataclass
class World:
    needs: dict
    calls: dict


@pytest.fixture
def world() -> World:
    n1 = need_at(datetime(2026, 10, 1, 1, 0, tzinfo=UTC), title="見守り一")
    n2 = need_at(datetime(2026, 11, 1, 1, 0, tzinfo=UTC), title="見守り二")
    n3 = need_at(
        datetime(2026, 10, 15, 1, 0, tzinfo=UTC),
        status=NeedStatus.CLOSED,
        title="防災",
        policy_areas=("disaster_prevention",),
    )
    n4 = need_at(None, status=NeedStatus.IN_REVIEW, created=datetime(2026, 10, 20, tzinfo=UTC))
    n5 = need_at(None, status=NeedStatus.DRAFT, created=datetime(2026, 10, 20, tzinfo=UTC))
    n6 = need_at(datetime(2026, 12, 1, 1, 0, tzinfo=UTC), policy_areas=("mobility",))

    c1 = make_call(n1, status=CallStatus.DECIDED, title="=見守りセンサー公募")
    c2 = make_call(n1, status=CallStatus.OPEN, title="見守りアプリ公募")
    c3 = make_call(n3, status=CallStatus.DECIDED, title="防災公募")
    c4 = make_call(n2, status=CallStatus.DRAFT, title="下書き公募")
    make_call(n2, status=CallStatus.CANCELLED, title="中止公募")

    p1, *_ = proposals(c1, [P.SELECTED, P.NOT_SELECTED, P.WAITLISTED, P.DRAFT, P.WITHDRAWN])
    proposals(c2, [P.SUBMITTED, P.DRAFT])
    p8, p9, _ = proposals(c3, [P.SELECTED, P.SELECTED, P.NOT_SELECTED])
    proposals(c4, [P.SUBMITTED])

    inc, dec = KpiDirection.INCREASE, KpiDirection.DECREASE
    project(p1, c1, ProjectStatus.ADOPTED, [(inc, 10, 12), (dec, 5, 7), (inc, 3, None)])
    project(p8, c3, ProjectStatus.NOT_ADOPTED, [(dec, 5, 5)])
    project(p9, c3, ProjectStatus.RUNNING, [(inc, 100, None)])

    s1, s2, s3 = (make_seed(title=f"seed {i}") for i in range(3))
    S, D, I, N = "shortlisted", "dismissed", "invited", "new"  # noqa: E741
    pair(n1, s1, PairStatus.SHORTLISTED, (2, N, S))
    pair(n1, s2, PairStatus.DISMISSED, (1, N, D))
    pair(n1, s3, PairStatus.INVITED, (5, N, S), (6, S, I))
    pair(n2, s1, PairStatus.INVITED, (4, N, I))
    pair(n2, s2, PairStatus.NEW, (1, N, S), (1.5, S, N))
    pair(n3, s1, PairStatus.DISMISSED, (3, N, D))
    pair(n3, s2, PairStatus.SHORTLISTED, (10, N, S))
    return World(
        needs={"n1": n1, "n2": n2, "n3": n3, "n4": n4, "n5": n5, "n6": n6},
        calls={"c1": c1, "c2": c2, "c3": c3},
    )
