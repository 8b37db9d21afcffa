"""Atom feeds of open calls and published results parse with a real feed parser."""

from __future__ import annotations

import re

import feedparser
import pytest

from matchmaker.accounts.models import OrgKind
from matchmaker.calls.models import CallStatus
from matchmaker.extensions import db
from matchmaker.projects.models import ProjectStatus
from tests.factories import make_org
from tests.proposals.helpers import make_call
from tests.results.helpers import make_other_result, make_result


def fetch(client, path: str):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def links(item, rel: str) -> list[str]:
    return [link.href for link in item.links if link.rel == rel]


def test_calls_feed_lists_only_open_calls(client):
    department = make_org(OrgKind.DEPARTMENT)
    open_call = make_call(department, status=CallStatus.OPEN, title="高齢者見守りの公募")
    hidden = [
        make_call(department, status=status, title=f"hidden {status.value}")
        for status in CallStatus
        if status is not CallStatus.OPEN
    ]
    feed = fetch(client, "/feeds/calls.atom")
    assert [e.title for e in feed.entries] == ["高齢者見守りの公募"]
    entry = feed.entries[0]
    url = f"http://localhost/calls/{open_call.id}"
    assert entry.id == url
    assert links(entry, "alternate") == [url]
    assert entry.updated_parsed is not None
    assert entry.author == department.name
    assert "elderly_care" in [t.term for t in entry.tags]
    raw = client.get("/feeds/calls.atom").get_data(as_text=True)
    assert len(hidden) == 5 and "hidden" not in raw


def test_feed_level_elements(client):
    feed = fetch(client, "/feeds/calls.atom")
    assert feed.feed.id == "http://localhost/feeds/calls.atom"
    assert links(feed.feed, "self") == ["http://localhost/feeds/calls.atom"]
    assert links(feed.feed, "alternate") == ["http://localhost/calls"]
    assert feed.feed.title
    assert feed.feed.updated_parsed is not None
    assert feed.entries == []


def test_special_characters_are_escaped(client):
    department = make_org(OrgKind.DEPARTMENT)
    title = 'Sensors <b>&</b> "alerts" \x01'
    make_call(department, title=title, description="A < B & C\x0b ]]> end")
    response = client.get("/feeds/calls.atom")
    assert b"<b>" not in response.data
    feed = fetch(client, "/feeds/calls.atom")
    assert feed.entries[0].title == 'Sensors <b>&</b> "alerts"'
    assert "A < B & C ]]> end" in feed.entries[0].summary


def test_results_feed_lists_only_published_results(client):
    adopted = make_result(status=ProjectStatus.ADOPTED)
    other = make_other_result(status=ProjectStatus.NOT_ADOPTED)
    make_result(status=ProjectStatus.COMPLETED, published=False, title="unpublished")
    make_result(status=ProjectStatus.RUNNING, title="running")
    make_result(status=ProjectStatus.PLANNED, title="planned")
    feed = fetch(client, "/feeds/results.atom")
    urls = {e.link for e in feed.entries}
    assert urls == {
        f"http://localhost/results/{adopted.id}",
        f"http://localhost/results/{other.id}",
    }
    assert links(feed.feed, "self") == ["http://localhost/feeds/results.atom"]
    assert links(feed.feed, "alternate") == ["http://localhost/results"]
    entry = next(e for e in feed.entries if e.link.endswith(f"/{adopted.id}"))
    assert entry.id == entry.link
    assert entry.summary == "Falls were detected within minutes in 50 homes."
    assert {"adopted", "elderly_care"} <= {t.term for t in entry.tags}
    assert entry.published_parsed is not None and entry.updated_parsed is not None
    assert [a.name for a in entry.authors] == [adopted.department.name, adopted.provider.name]


def test_feed_updated_is_the_newest_entry(client):
    make_result()
    response = client.get("/feeds/results.atom")
    feed = feedparser.parse(response.data)
    newest = max(e.updated_parsed for e in feed.entries)
    assert feed.feed.updated_parsed == newest


def test_conditional_get(client):
    make_result()
    first = client.get("/feeds/results.atom")
    etag = first.headers["ETag"]
    again = client.get("/feeds/results.atom", headers={"If-None-Match": etag})
    assert again.status_code == 304
    make_other_result()
    db.session.flush()
    assert client.get("/feeds/results.atom", headers={"If-None-Match": etag}).status_code == 200


@pytest.mark.parametrize(
    ("path", "feed"), [("/calls", "/feeds/calls.atom"), ("/results", "/feeds/results.atom")]
)
def test_list_pages_announce_their_feed(client, path, feed):
    html = client.get(path).get_data(as_text=True)
    head = html.split("</head>")[0]
    found = re.findall(r'<link rel="alternate" type="application/atom\+xml"[^>]*>', head)
    assert len(found) == 1
    assert f'href="http://localhost{feed}"' in found[0]


@pytest.mark.parametrize("path", ["/feeds/calls.atom", "/feeds/results.atom"])
def test_feeds_are_public_and_read_only(client, path):
    assert client.get(path).status_code == 200
    assert client.post(path, data={}).status_code == 405
