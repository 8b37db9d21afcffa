"""The public list: search (including 2-character Japanese), filters, pagination, bad input."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.needs.models import NeedStatus
from tests.factories import make_org, make_user
from tests.needs.conftest import new_need

S = NeedStatus


def titles(response) -> str:
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


@pytest.fixture
def corpus(owner_user):
    """Three published needs in different areas and languages, plus non-public ones."""
    return {
        "bousai": new_need(
            owner_user,
            S.PUBLISHED,
            title="避難所の混雑を知らせたい",
            summary="災害時の避難所の状況を住民に伝える",
            policy_areas=["disaster_prevention"],
        ),
        "mimamori": new_need(
            owner_user,
            S.PUBLISHED,
            title="独居高齢者の安否確認",
            summary="見守りの担い手が足りない",
            policy_areas=["elderly_care"],
        ),
        "english": new_need(
            owner_user,
            S.PUBLISHED,
            title="Cashless payments at city pools",
            summary="Visitors want to pay by card",
            language="en",
            policy_areas=["cashless"],
        ),
        "closed": new_need(
            owner_user,
            S.CLOSED,
            title="終了した介護の課題",
            summary="介護記録の入力負担",
            policy_areas=["nursing_care_work"],
        ),
        "draft": new_need(
            owner_user, S.DRAFT, title="下書きの防災計画", policy_areas=["disaster_prevention"]
        ),
        "review": new_need(
            owner_user,
            S.IN_REVIEW,
            title="審査中の防災アプリ",
            policy_areas=["disaster_prevention"],
        ),
    }


def test_anonymous_list_shows_public_needs_only(client, corpus):
    page = titles(client.get("/needs?lang=en"))
    for key in ("bousai", "mimamori", "english", "closed"):
        assert corpus[key].title in page
    assert "下書きの防災計画" not in page and "審査中の防災アプリ" not in page
    assert "4 needs found" in page


@pytest.mark.parametrize(
    "query,expected",
    [
        ("防災", {"bousai"}),  # via the policy area label
        ("見守り", {"mimamori"}),
        ("介護", {"closed"}),
        ("避難所", {"bousai"}),
        ("cashless", {"english"}),
        ("CARD", {"english"}),  # case-insensitive
        ("Disaster", {"bousai"}),  # English label of a Japanese need's area
        ("避難所 住民", {"bousai"}),  # every term must match
        ("避難所 cashless", set()),
        ("ｃａｒｄ", {"english"}),  # full-width letters are normalised
    ],
)
def test_search(client, corpus, query, expected):
    page = titles(client.get("/needs", query_string={"q": query}))
    for key, need in corpus.items():
        assert (need.title in page) == (key in expected), key


def test_search_treats_like_wildcards_literally(client, corpus):
    page = titles(client.get("/needs", query_string={"q": "%"}))
    assert corpus["bousai"].title not in page


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"area": "disaster_prevention"}, {"bousai"}),
        ({"area": "cashless"}, {"english"}),
        ({"language": "en"}, {"english"}),
        ({"language": "ja"}, {"bousai", "mimamori", "closed"}),
        ({"status": "closed"}, {"closed"}),
        ({"status": "published"}, {"bousai", "mimamori", "english"}),
        ({"status": "published", "language": "ja", "q": "高齢者"}, {"mimamori"}),
    ],
)
def test_filters(client, corpus, params, expected):
    page = titles(client.get("/needs", query_string=params))
    for key, need in corpus.items():
        assert (need.title in page) == (key in expected), key


def test_department_filter(client, corpus):
    other_org = make_org(OrgKind.DEPARTMENT, name="産業労働局")
    other = new_need(
        make_user(Role.DEPARTMENT, org=other_org), S.PUBLISHED, title="中小企業のDX支援"
    )
    page = titles(client.get("/needs", query_string={"org": other_org.id}))
    assert other.title in page and corpus["bousai"].title not in page
    assert "産業労働局" in page  # offered in the filter
    page = titles(client.get("/needs", query_string={"org": corpus["bousai"].organization_id}))
    assert other.title not in page and corpus["bousai"].title in page


def test_staff_may_filter_the_review_pipeline(client, login_as, corpus):
    login_as(Role.COORDINATOR)
    page = titles(client.get("/needs", query_string={"status": "in_review"}))
    assert "審査中の防災アプリ" in page and corpus["bousai"].title not in page
    assert "下書きの防災計画" not in page


@pytest.mark.parametrize("actor", ["anonymous", "provider", "department"])
@pytest.mark.parametrize("status", ["in_review", "changes_requested", "archived", "draft"])
def test_non_staff_cannot_filter_non_public_statuses(client, login_as, corpus, actor, status):
    if actor != "anonymous":
        login_as(Role(actor))
    response = client.get("/needs", query_string={"status": status})
    assert response.status_code == 400
    assert "審査中の防災アプリ" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "1" * 30},
        {"area": "nowhere"},
        {"org": "abc"},
        {"org": "9" * 30},
        {"language": "fr"},
        {"q": "x" * 201},
        {"q": "防災\x00"},
    ],
)
def test_bad_parameters_are_400(client, params):
    response = client.get("/needs", query_string=params)
    assert response.status_code == 400
    assert b"Traceback" not in response.data


def test_unknown_department_id_is_an_empty_result(client, corpus):
    page = titles(client.get("/needs", query_string={"org": "424242"}))
    assert corpus["bousai"].title not in page


def test_lang_switch_does_not_filter_by_language(client, corpus):
    page = titles(client.get("/needs", query_string={"lang": "en"}))
    assert corpus["bousai"].title in page and corpus["english"].title in page


def test_pagination(app, client, owner_user, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 2)
    needs = [new_need(owner_user, S.PUBLISHED, title=f"ページ送りの課題{i}") for i in range(5)]
    seen = []
    for number in (1, 2, 3):
        page = titles(client.get("/needs", query_string={"page": number, "lang": "en"}))
        seen.append({n.title for n in needs if n.title in page})
        assert f"Page {number} of 3" in page and "5 needs found" in page
    assert [len(s) for s in seen] == [2, 2, 1]
    assert set().union(*seen) == {n.title for n in needs}
    first = titles(client.get("/needs", query_string={"page": 1}))
    assert 'rel="next"' in first and 'rel="prev"' not in first
    beyond = titles(client.get("/needs", query_string={"page": 9}))
    assert not any(n.title in beyond for n in needs)


def test_pagination_keeps_the_filters(app, client, owner_user, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 1)
    for i in range(2):
        new_need(
            owner_user, S.PUBLISHED, title=f"防災訓練{i}", policy_areas=["disaster_prevention"]
        )
    page = titles(client.get("/needs", query_string={"q": "防災", "area": "disaster_prevention"}))
    assert "area=disaster_prevention" in page and "page=2" in page
