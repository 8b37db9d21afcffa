"""Ranking maths on a hand-computed example, the spread flag and the server-drawn chart."""

from __future__ import annotations

import re

import pytest

from matchmaker.accounts.models import Role
from matchmaker.evaluation.models import AssignmentStatus
from matchmaker.evaluation.ranking import chart, rank_call, summarize
from tests.evaluation.conftest import assign, give_scores, make_proposal, make_reviewer

# Impact weight 3, Feasibility weight 1: shares 0.75 and 0.25.
#   A: r1 (5, 3) -> 4.5, r2 (3, 1) -> 2.5; means 4, 2 -> 0.75*4 + 0.25*2 = 3.5; spread 2.0
#   B: r1 (4, 4) -> 4.0, r2 (4, 2) -> 3.5; means 4, 3 -> 0.75*4 + 0.25*3 = 3.75; spread 0.5
#   C: no reviews -> unranked. r3 was removed and r4 belongs to A's organization: ignored.


def test_summarize_by_hand():
    weights = {1: 3, 2: 1}
    summary = summarize(weights, {10: {1: 5, 2: 3}, 11: {1: 3, 2: 1}})
    assert summary.weighted == pytest.approx(3.5)
    assert summary.reviews == 2
    assert summary.spread == pytest.approx(2.0)
    assert summary.large_spread
    assert summary.criterion_means == {1: 4.0, 2: 2.0}
    assert sorted(summary.reviewer_totals) == [2.5, 4.5]


def test_summarize_edges():
    weights = {1: 3, 2: 1}
    assert summarize(weights, {}).weighted is None
    incomplete = summarize(weights, {10: {1: 5}, 11: {1: 4, 2: 4}})
    assert incomplete.reviews == 1 and incomplete.weighted == pytest.approx(4.0)
    assert incomplete.spread is None and not incomplete.large_spread
    just = summarize({1: 1}, {10: {1: 4}, 11: {1: 2}, 12: {1: 3}})
    assert just.spread == pytest.approx(2.0)
    below = summarize({1: 1, 2: 1}, {10: {1: 4, 2: 4}, 11: {1: 3, 2: 2}})
    assert below.spread == pytest.approx(1.5) and below.large_spread  # 1.5 counts as large
    small = summarize({1: 1, 2: 1}, {10: {1: 4, 2: 4}, 11: {1: 3, 2: 3}})
    assert not small.large_spread


@pytest.fixture
def example(call):
    r1, r2 = make_reviewer(), make_reviewer()
    a = make_proposal(call, title="Proposal A")
    b = make_proposal(call, title="Proposal B")
    c = make_proposal(call, title="Proposal C")
    r3 = make_reviewer()
    r4 = make_reviewer(org=a.organization)
    for reviewer in (r1, r2, r4):
        assign(call, reviewer)
    assign(call, r3, AssignmentStatus.REMOVED)
    give_scores(a, r1, [5, 3])
    give_scores(a, r2, [3, 1])
    give_scores(b, r1, [4, 4])
    give_scores(b, r2, [4, 2])
    give_scores(a, r3, [1, 1])
    give_scores(c, r3, [5, 5])
    give_scores(a, r4, [5, 5])
    return a, b, c


def test_rank_call_by_hand(call, example):
    a, b, c = example
    ranked = rank_call(call)
    assert [r.proposal.id for r in ranked] == [b.id, a.id, c.id]
    assert [r.rank for r in ranked] == [1, 2, None]
    first, second, third = (r.summary for r in ranked)
    assert first.weighted == pytest.approx(3.75) and first.spread == pytest.approx(0.5)
    assert second.weighted == pytest.approx(3.5) and second.spread == pytest.approx(2.0)
    assert second.reviews == 2 and second.large_spread and not first.large_spread
    impact, feasibility = (cr.id for cr in call.criteria)
    assert first.criterion_means == {impact: 4.0, feasibility: 3.0}
    assert third.weighted is None and third.reviews == 0
    bars = chart(ranked)
    assert [bar.label for bar in bars.bars] == ["Proposal B", "Proposal A"]
    assert bars.bars[0].width == pytest.approx(bars.plot_width * 3.75 / 5)


def test_chart_is_none_without_scores(call):
    make_proposal(call)
    assert chart(rank_call(call)) is None


def test_evaluation_page_shows_ranking_and_svg(client, login_as, call, example):
    login_as(Role.DEPARTMENT, org=call.organization)
    response = client.get(f"/calls/{call.id}/evaluation")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.index("Proposal B") < page.index("Proposal A") < page.index("Proposal C")
    for text in ("3.75", "3.50", "2.00", "0.50", "4.00", "Large spread"):
        assert text in page
    svg = page.split("<svg")[1].split("</svg>")[0]
    assert svg.count('class="bar"') == 2
    assert "<script" not in svg  # the chart is drawn by the server, no script
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", page)  # no inline script
    assert "Record decision" in page
