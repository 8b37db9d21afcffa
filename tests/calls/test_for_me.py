"""Open calls that fit my seeds: the matcher's ranking, limited to open calls."""

from __future__ import annotations

from matchmaker.accounts.models import Role
from matchmaker.calls import queries
from matchmaker.calls.models import CallStatus
from matchmaker.matching import warmup
from matchmaker.matching.services import MatchResult
from tests.calls.conftest import make_call
from tests.factories import make_org, make_seed
from tests.matching.conftest import (  # noqa: F401  (fixtures)
    add_need,
    add_seed,
    encode,
    encoders,
    fresh_index,
)

S = CallStatus


def test_open_calls_of_the_best_needs_are_listed(client, login_as, encoders):  # noqa: F811
    org = make_org()
    seed = add_seed("flood_ja", org=org)
    flood, bus = add_need("flood_en"), add_need("bus_en")
    encode(encoders, seed, flood, bus)
    open_call = make_call(flood, S.OPEN, title="Flood warning pilot call")
    make_call(flood, S.DRAFT, title="Draft flood call")
    make_call(bus, S.DECIDED, title="Decided bus call")
    login_as(Role.PROVIDER, org=org)
    response = client.get("/calls/for-me")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert seed.title in page and open_call.title in page
    assert "Draft flood call" not in page and "Decided bus call" not in page
    assert "Fit score" in page


def test_matching_unavailable_is_explained(client, login_as, monkeypatch):
    org = make_org()
    make_seed(org=org, title="見守りカメラ")
    monkeypatch.setattr(
        "matchmaker.matching.services.rank_needs_for_seed",
        lambda seed, **kw: MatchResult(unavailable="models missing"),
    )
    login_as(Role.PROVIDER, org=org)
    response = client.get("/calls/for-me")
    assert response.status_code == 200
    assert "Matching is not available right now" in response.get_data(as_text=True)


def test_a_warming_matcher_says_how_far_it_is_and_refreshes(app, client, login_as, monkeypatch):
    org = make_org()
    make_seed(org=org, title="見守りカメラ")
    with app.test_request_context("/?lang=en"):
        status = warmup.WarmingStatus(300, 1200, 9)
    monkeypatch.setattr(
        "matchmaker.matching.services.rank_needs_for_seed",
        lambda seed, **kw: MatchResult(unavailable=status),
    )
    login_as(Role.PROVIDER, org=org)
    page = client.get("/calls/for-me").get_data(as_text=True)
    assert "Matches are being prepared (300 of 1,200 records loaded" in page
    assert 'data-refresh-after="15"' in page and "js/refresh.js" in page
    assert "Matching is not available right now" not in page


def test_no_published_seeds(client, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/calls/for-me").get_data(as_text=True)
    assert "Your organization has no published seeds yet." in page


def test_ranking_sorts_calls_by_score(monkeypatch, need):
    from types import SimpleNamespace

    org = make_org()
    seed = make_seed(org=org)
    other = make_call(None, S.OPEN, title="second")
    first = make_call(need, S.OPEN, title="first")
    items = [
        SimpleNamespace(record=other.need, score=0.3),
        SimpleNamespace(record=need, score=0.9),
    ]
    monkeypatch.setattr(
        "matchmaker.matching.services.rank_needs_for_seed",
        lambda seed, **kw: MatchResult(items=items),
    )
    (entry,) = queries.calls_for_my_seeds(SimpleNamespace(organization_id=org.id))
    assert entry.seed.id == seed.id
    assert [(c.id, s) for c, s in entry.rows] == [(first.id, 0.9), (other.id, 0.3)]
