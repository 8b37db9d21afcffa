"""The public results list: only published finished projects, search, filters, pagination."""

from __future__ import annotations

import re

import pytest

from matchmaker.projects.models import ProjectStatus
from tests.results.helpers import make_other_result, make_result


def result_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/results/(\d+)"', html)}


def test_lists_only_published_finished_projects(client):
    shown = [
        make_result(status=ProjectStatus.ADOPTED),
        make_result(status=ProjectStatus.NOT_ADOPTED),
        make_result(status=ProjectStatus.COMPLETED),
    ]
    hidden = [
        make_result(status=ProjectStatus.COMPLETED, published=False),
        make_result(status=ProjectStatus.ADOPTED, published=False),
        make_result(status=ProjectStatus.RUNNING),  # published_at set, but not finished
        make_result(status=ProjectStatus.PLANNED),
    ]
    response = client.get("/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert result_ids(html) == {p.id for p in shown}
    assert not result_ids(html) & {p.id for p in hidden}
    assert "3 results found" in html


def test_empty_list(client):
    response = client.get("/results")
    assert response.status_code == 200
    assert "No results match these filters." in response.get_data(as_text=True)


def test_card_shows_outcome_and_kpis_met(client):
    make_result(title="見守りセンサーの実証 <b>bold</b>")
    html = client.get("/results").get_data(as_text=True)
    assert "Falls were detected within minutes in 50 homes." in html
    assert "1 of 2 KPIs met their target." in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html


@pytest.mark.parametrize("term", ["見守り", "見守", "ＦＡＬＬＳ", "falls detected"])
def test_search_finds_short_japanese_and_normalised_terms(client, term):
    wanted = make_result()
    other = make_other_result()
    html = client.get("/results", query_string={"q": term}).get_data(as_text=True)
    assert result_ids(html) == {wanted.id}
    assert other.id not in result_ids(html)


def test_search_with_several_terms_needs_all(client):
    make_result()
    other = make_other_result()
    html = client.get("/results", query_string={"q": "氾濫 warning"}).get_data(as_text=True)
    assert result_ids(html) == {other.id}
    html = client.get("/results", query_string={"q": "氾濫 見守り"}).get_data(as_text=True)
    assert result_ids(html) == set()


def test_search_does_not_find_unpublished_projects(client):
    hidden = make_result(published=False, title="秘密の見守り")
    html = client.get("/results", query_string={"q": "秘密"}).get_data(as_text=True)
    assert hidden.id not in result_ids(html)
    assert "0 results found" in html


def test_policy_area_filter(client):
    elderly = make_result()
    flood = make_other_result()
    html = client.get("/results?area=elderly_care").get_data(as_text=True)
    assert result_ids(html) == {elderly.id}
    html = client.get("/results?area=disaster_prevention").get_data(as_text=True)
    assert result_ids(html) == {flood.id}
    html = client.get("/results?area=tourism").get_data(as_text=True)
    assert result_ids(html) == set()


def test_elderly_monitoring_in_two_clicks(client):
    """Home → "Results" in the navigation → the elderly-care link: only those results."""
    elderly = make_result()
    make_other_result()
    make_result(published=False)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/results"' in home
    page = client.get("/results").get_data(as_text=True)
    link = re.search(r'href="(/results\?area=elderly_care)"[^>]*>([^<]+)<', page)
    assert link is not None
    assert "(1)" in link.group(2)  # the count leaves out the unpublished project
    html = client.get(link.group(1)).get_data(as_text=True)
    assert result_ids(html) == {elderly.id}
    assert 'href="/results?area=elderly_care" aria-current="page"' in html


def test_area_links_keep_the_other_filters(client):
    make_result()
    make_other_result()
    html = client.get("/results?status=adopted&q=pilot").get_data(as_text=True)
    assert re.search(r'href="/results\?[^"]*area=elderly_care[^"]*"', html)
    link = re.search(r'href="(/results\?[^"]*area=disaster_prevention[^"]*)"', html).group(1)
    assert "status=adopted" in link and "q=pilot" in link


@pytest.mark.parametrize(
    ("status", "expected"),
    [("adopted", {"adopted"}), ("not_adopted", {"not_adopted"}), ("completed", {"completed"})],
)
def test_adoption_filter(client, status, expected):
    projects = {
        s.value: make_result(status=s)
        for s in ProjectStatus
        if s.value
        in (
            "adopted",
            "not_adopted",
            "completed",
        )
    }
    html = client.get("/results", query_string={"status": status}).get_data(as_text=True)
    assert result_ids(html) == {projects[s].id for s in expected}


def test_pagination(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_PAGE_SIZE", 2)
    made = [make_result() for _ in range(3)]
    first = client.get("/results").get_data(as_text=True)
    assert len(result_ids(first)) == 2
    assert 'rel="next" href="/results?page=2"' in first
    second = client.get("/results?page=2").get_data(as_text=True)
    assert len(result_ids(second)) == 1
    assert result_ids(first) | result_ids(second) == {p.id for p in made}
    assert 'rel="prev"' in second
    assert result_ids(client.get("/results?page=9").get_data(as_text=True)) == set()


@pytest.mark.parametrize(
    "query",
    [
        {"status": "running"},
        {"status": "planned"},
        {"status": "bogus"},
        {"area": "atlantis"},
        {"page": "abc"},
        {"page": "0"},
        {"page": "-1"},
        {"page": "99999999999"},
        {"q": "x" * 201},
        {"q": "見守り\x01"},
    ],
)
def test_bad_query_parameters_are_400(client, query):
    response = client.get("/results", query_string=query)
    assert response.status_code == 400
    assert "Request refused" in response.get_data(as_text=True)


def test_feed_is_announced_in_the_head(client):
    html = client.get("/results").get_data(as_text=True)
    head = html.split("</head>")[0]
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
        r'href="http://localhost/feeds/results.atom">',
        head,
    )


def test_navigation_has_calls_and_results(client):
    html = client.get("/results").get_data(as_text=True)
    nav = html.split('<nav class="nav"')[1].split("</nav>")[0]
    assert '<a href="/calls">Calls</a>' in nav
    assert '<a href="/results">Results</a>' in nav


def test_japanese_page(client):
    make_result()
    response = client.get("/results?lang=ja", headers={"Accept-Language": "ja"})
    assert response.status_code == 200
    assert "見守りセンサーの実証" in response.get_data(as_text=True)
