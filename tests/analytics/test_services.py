"""Every figure checked exactly against the fixture's known counts, with and without filters."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.analytics.filters import Filters
from matchmaker.analytics.services import report

FUNNEL_KEYS = [
    "needs_posted",
    "needs_published",
    "calls",
    "proposals",
    "selected",
    "projects",
    "adopted",
]


def counts(r):
    return {s.key: s.count for s in r.funnel}


def test_funnel_counts_and_conversions(world):
    r = report(Filters())
    assert [s.key for s in r.funnel] == FUNNEL_KEYS
    assert list(counts(r).values()) == [5, 4, 3, 7, 3, 3, 1]
    previous = [s.of_previous for s in r.funnel]
    assert previous[0] is None
    assert previous[1:] == pytest.approx([4 / 5, 3 / 4, 7 / 3, 3 / 7, 1.0, 1 / 3])
    assert [s.of_first for s in r.funnel] == pytest.approx([1, 0.8, 0.6, 1.4, 0.6, 0.6, 0.2])


def test_time_to_first_shortlisted_pair(world):
    t = report(Filters()).time_to_shortlist
    # n1: first shortlist after 2 days; n2: shortlisted after 1 day (later reopened: still
    # counts); n3: 10 days; n6 has no pair
    assert t.needs_published == 4
    assert t.days == pytest.approx([2.0, 1.0, 10.0])
    assert t.median == pytest.approx(2.0)
    assert t.mean == pytest.approx(13 / 3)


def test_acceptance_rate(world):
    a = report(Filters()).acceptance
    assert a.by_status == {"new": 1, "shortlisted": 2, "dismissed": 2, "invited": 2}
    assert (a.accepted, a.decided) == (4, 6)
    assert a.rate == pytest.approx(4 / 6)


def test_proposals_per_call(world):
    r = report(Filters())
    c = world.calls
    assert [(row.call_id, row.proposals) for row in r.calls] == [
        (c["c1"].id, 3),
        (c["c2"].id, 1),
        (c["c3"].id, 3),
    ]
    assert r.calls[0].need_title == "見守り一"
    assert r.mean_proposals == pytest.approx(7 / 3)


def test_kpis_met_over_measured(world):
    k = report(Filters()).kpis
    assert (k.defined, k.measured, k.met) == (5, 3, 2)
    assert k.rate == pytest.approx(2 / 3)


def test_policy_area_filter(world):
    r = report(Filters(policy_area="elderly_care"))
    assert list(counts(r).values()) == [3, 2, 2, 4, 1, 1, 1]
    assert r.time_to_shortlist.days == pytest.approx([2.0, 1.0])
    assert r.time_to_shortlist.median == pytest.approx(1.5)
    assert (r.acceptance.accepted, r.acceptance.decided) == (3, 4)
    assert [row.proposals for row in r.calls] == [3, 1]
    assert (r.kpis.defined, r.kpis.measured, r.kpis.met) == (3, 2, 1)


def test_date_range_filter_on_publication_in_tokyo_time(world):
    r = report(Filters(since=date(2026, 10, 1), until=date(2026, 10, 31)))
    # n2 is published on 1 November 10:00 in Tokyo: outside; n4 was posted (created) in range
    assert list(counts(r).values()) == [3, 2, 3, 7, 3, 3, 1]
    assert r.time_to_shortlist.days == pytest.approx([2.0, 10.0])
    assert (r.acceptance.accepted, r.acceptance.decided) == (3, 5)
    # n1 was published at 10:00 on 1 October in Tokyo (01:00 UTC)
    assert counts(report(Filters(until=date(2026, 10, 1))))["needs_published"] == 1
    assert counts(report(Filters(since=date(2026, 10, 2))))["needs_published"] == 3
    assert counts(report(Filters(since=date(2027, 1, 1))))["needs_published"] == 0


def test_empty_database_gives_zeros_and_no_division():
    r = report(Filters())
    assert list(counts(r).values()) == [0] * 7
    assert all(s.of_first is None for s in r.funnel)
    assert all(s.of_previous is None for s in r.funnel)
    t = r.time_to_shortlist
    assert (t.needs_published, t.days, t.median, t.mean) == (0, [], None, None)
    assert r.acceptance.rate is None and r.acceptance.decided == 0
    assert r.calls == [] and r.mean_proposals is None
    assert r.kpis.rate is None and r.kpis.measured == 0
