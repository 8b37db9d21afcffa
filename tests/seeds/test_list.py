"""The public seed list: search (Japanese and English), every filter, pagination, bad input."""

from __future__ import annotations

import re

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.seeds.models import SeedStatus
from tests.factories import make_org, make_user
from tests.seeds.helpers import create_seed


def titles(response) -> list[str]:
    assert response.status_code == 200, response.data[:300]
    return re.findall(r'<h2><a href="/seeds/\d+">([^<]+)</a></h2>', response.get_data(as_text=True))


@pytest.fixture
def catalogue(owner):
    """A small, varied set of published seeds (plus a draft that must never show)."""
    university = make_user(Role.PROVIDER, org=make_org(OrgKind.UNIVERSITY))
    create_seed(
        owner,
        title="防災ドローン",
        summary="災害時に上空から被災状況を把握する。",
        trl=7,
        language="ja",
        policy_areas=("disaster_prevention",),
        ready_for_pilot=True,
    )
    create_seed(
        owner,
        title="介護記録の音声入力",
        summary="介護職員の記録作業を減らす。",
        trl=5,
        language="ja",
        policy_areas=("nursing_care_work",),
    )
    create_seed(
        university,
        title="見守りセンサー",
        summary="一人暮らしの高齢者を見守る。",
        trl=3,
        language="ja",
        policy_areas=("elderly_care",),
    )
    create_seed(
        university,
        title="Flood prediction model",
        summary="Predicts river flooding from rain radar data.",
        trl=4,
        language="en",
        policy_areas=("disaster_prevention", "data_platform"),
        keywords=("hydrology",),
        ready_for_pilot=True,
    )
    create_seed(
        owner,
        SeedStatus.DRAFT,
        title="防災 draft",
        summary="下書きの防災技術",
        trl=9,
        language="ja",
        policy_areas=("disaster_prevention",),
    )
    create_seed(
        owner,
        SeedStatus.ARCHIVED,
        title="防災 archived",
        summary="古い防災技術",
        trl=9,
        language="ja",
        policy_areas=("disaster_prevention",),
    )


ALL = {"防災ドローン", "介護記録の音声入力", "見守りセンサー", "Flood prediction model"}


def test_list_shows_published_seeds_with_count_and_cards(client, catalogue):
    response = client.get("/seeds")
    assert set(titles(response)) == ALL
    page = response.get_data(as_text=True)
    assert "4 seeds found" in page
    assert "Ready for pilot" in page and "TRL 7" in page
    assert "Disaster prevention" in page  # policy-area tag in the reader's language
    assert "University or research institute" in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ("防災", {"防災ドローン", "Flood prediction model"}),  # the label of its policy area
        ("介護", {"介護記録の音声入力"}),
        ("見守り", {"見守りセンサー"}),
        ("被災", {"防災ドローン"}),
        ("flood", {"Flood prediction model"}),
        ("FLOOD radar", {"Flood prediction model"}),
        ("ｆｌｏｏｄ", {"Flood prediction model"}),  # full-width letters
        ("hydrology", {"Flood prediction model"}),  # keyword
        ("flood 介護", set()),
        ("zzz-not-there", set()),
        ("100%", set()),
        ("", ALL),
    ],
)
def test_search(client, catalogue, query, expected):
    assert set(titles(client.get("/seeds", query_string={"q": query}))) == expected


def test_search_never_reveals_drafts_or_archived(client, login_as, owner, catalogue):
    login_as(user=owner)
    found = titles(client.get("/seeds", query_string={"q": "防災"}))
    assert "防災 draft" not in found and "防災 archived" not in found


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"area": "disaster_prevention"}, {"防災ドローン", "Flood prediction model"}),
        ({"area": "elderly_care"}, {"見守りセンサー"}),
        ({"area": "tourism"}, set()),
        ({"kind": "university"}, {"見守りセンサー", "Flood prediction model"}),
        ({"kind": "startup"}, {"防災ドローン", "介護記録の音声入力"}),
        ({"kind": "npo"}, set()),
        ({"trl_min": "5"}, {"防災ドローン", "介護記録の音声入力"}),
        ({"trl_max": "4"}, {"見守りセンサー", "Flood prediction model"}),
        ({"trl_min": "4", "trl_max": "5"}, {"介護記録の音声入力", "Flood prediction model"}),
        ({"trl_min": "7", "trl_max": "7"}, {"防災ドローン"}),
        ({"ready": "1"}, {"防災ドローン", "Flood prediction model"}),
        ({"ready": "0"}, ALL),
        ({"language": "en"}, {"Flood prediction model"}),
        ({"language": "ja"}, {"防災ドローン", "介護記録の音声入力", "見守りセンサー"}),
        ({"lang": "ja"}, ALL),  # the UI language switch is not a filter
        ({"area": "", "kind": "", "trl_min": "", "trl_max": "", "language": "", "ready": ""}, ALL),
        ({"q": "防災", "ready": "1", "language": "ja"}, {"防災ドローン"}),
        (
            {"area": "disaster_prevention", "kind": "university", "trl_max": "4"},
            {"Flood prediction model"},
        ),
    ],
)
def test_filters(client, catalogue, params, expected):
    assert set(titles(client.get("/seeds", query_string=params))) == expected


def test_filters_are_kept_in_the_sidebar_form(client, catalogue):
    page = client.get(
        "/seeds",
        query_string={
            "q": "防災",
            "area": "disaster_prevention",
            "kind": "startup",
            "trl_min": "2",
            "trl_max": "8",
            "ready": "1",
            "language": "ja",
        },
    ).get_data(as_text=True)
    assert 'value="防災"' in page
    assert '<option value="disaster_prevention" selected>' in page
    assert '<option value="startup" selected>' in page
    assert '<option value="2" selected>' in page and '<option value="8" selected>' in page
    assert 'name="ready" value="1" checked' in page
    assert '<option value="ja" selected>' in page
    assert 'name="lang"' not in page


@pytest.mark.parametrize(
    "params",
    [
        {"area": "nope"},
        {"kind": "department"},
        {"kind": "xyz"},
        {"trl_min": "12"},
        {"trl_max": "0"},
        {"trl_min": "abc"},
        {"trl_max": "-1"},
        {"trl_min": "５"},
        {"trl_min": "7", "trl_max": "3"},
        {"ready": "yes"},
        {"language": "fr"},
        {"page": "abc"},
        {"page": "0"},
        {"q": "x" * 201},
    ],
)
def test_bad_filters_are_a_400_page(client, catalogue, params):
    response = client.get("/seeds", query_string=params)
    assert response.status_code == 400
    assert b"Traceback" not in response.data
    assert b"<h1>400" in response.data


def test_pagination(client, owner, monkeypatch, app):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 2)
    for i in range(5):
        create_seed(owner, title=f"Sensor number {i}", summary="A sensor.")
    seen = []
    for number in (1, 2, 3):
        response = client.get("/seeds", query_string={"q": "sensor", "page": str(number)})
        found = titles(response)
        assert len(found) == (2 if number < 3 else 1)
        seen += found
        page = response.get_data(as_text=True)
        assert f"Page {number} of 3" in page
        assert "5 seeds found" in page
        assert ('rel="next"' in page) == (number < 3)
        assert ('rel="prev"' in page) == (number > 1)
    assert sorted(seen) == sorted(f"Sensor number {i}" for i in range(5))
    # newest first
    assert seen[0] == "Sensor number 4"
    # the next link keeps the search
    first = client.get("/seeds", query_string={"q": "sensor"}).get_data(as_text=True)
    assert "q=sensor" in first and "page=2" in first
    # beyond the last page: an empty page, not an error
    assert titles(client.get("/seeds", query_string={"page": "9"})) == []


def test_empty_result_message(client):
    response = client.get("/seeds", query_string={"q": "nothing"})
    assert b"No published seeds match your search." in response.data
    assert b"0 seeds found" in response.data
