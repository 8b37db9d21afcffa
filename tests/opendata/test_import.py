"""Challenge.gov feed import: the sample files, re-imports, odd entries and bad files."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Organization, OrgKind, Role
from matchmaker.audit.models import AuditEvent
from matchmaker.common.errors import NotAllowed
from matchmaker.extensions import db
from matchmaker.matching.pending import PENDING
from matchmaker.needs.models import Need, NeedStatus
from matchmaker.opendata.challenge_gov import SOURCE, FeedError, parse_amount, parse_date
from matchmaker.opendata.html_text import html_to_text
from matchmaker.opendata.importer import import_feed
from tests.factories import make_org, make_user
from tests.opendata.conftest import CLOSED_FEED, OPEN_FEED

TAG = re.compile(r"<[a-zA-Z/!]")


def feed(*entries, **extra) -> bytes:
    return json.dumps(
        {"version": "https://jsonfeed.org/version/1", **extra, "_challenge": list(entries)}
    ).encode()


def imported(external_id: str) -> Need:
    return db.session.scalar(
        select(Need).where(Need.source == SOURCE, Need.external_id == external_id)
    )


def count_needs() -> int:
    return db.session.scalar(select(func.count(Need.id)))


def test_open_sample_feed_becomes_published_english_needs_in_usd():
    entries = json.loads(OPEN_FEED.read_bytes())["_challenge"]
    summary = import_feed(OPEN_FEED.read_bytes())

    assert (summary.created, summary.updated, summary.unchanged, summary.skipped) == (29, 0, 0, [])
    needs = db.session.scalars(select(Need).where(Need.source == SOURCE)).all()
    assert len(needs) == 29
    assert {n.status for n in needs} == {NeedStatus.PUBLISHED}
    assert {n.language for n in needs} == {"en"}
    assert {n.budget_currency for n in needs} == {"USD"}
    assert all(n.published_at is not None and n.search_text for n in needs)

    ecotox = imported("1088")
    assert ecotox.title == "EcoTox TARGET Challenge"
    assert ecotox.summary.startswith("Develop high quality, low-cost tools")
    assert ecotox.budget_max == 300_000 and ecotox.budget_min is None
    assert ecotox.source_url == "https://www.challenge.gov/challenge/ecotox-challenge/"
    assert ecotox.contact_name == "Denice Shaw"
    assert ecotox.contact_email == "villeneuve.dan@epa.gov"
    assert "2021/12/03 11:59 p.m." in ecotox.timeline
    assert ecotox.problem.startswith("This challenge calls for respondents")
    assert "Pimephales promelas (a fish)" in ecotox.problem
    assert ecotox.organization.name == "Environmental Protection Agency"
    assert ecotox.organization.kind is OrgKind.DEPARTMENT
    # HTML is gone from every text field; entities are decoded
    for need in needs:
        for text in (
            need.title,
            need.summary,
            need.problem,
            need.constraints,
            need.desired_outcome,
        ):
            assert not TAG.search(text), need.external_id
            assert "&nbsp;" not in text and "&amp;" not in text, need.external_id
    # the $15,000,000.00 prize keeps whole dollars; an empty prize gives no budget
    by_id = {e["challenge-id"]: e for e in entries}
    for need in needs:
        assert need.budget_max == parse_amount(by_id[need.external_id]["total-prize-offered-cash"])
    assert 15_000_000 in {n.budget_max for n in needs}
    assert any(n.budget_max is None for n in needs)
    # one department per agency, reused by needs of the same agency
    agencies = {e["agency"].strip() for e in entries}
    assert {n.organization.name for n in needs} == agencies
    assert db.session.scalar(
        select(func.count(Organization.id)).where(Organization.name.in_(agencies))
    ) == len(agencies)


def test_closed_sample_feed_becomes_closed_needs():
    summary = import_feed(CLOSED_FEED.read_bytes())
    assert summary.created == 30 and not summary.skipped
    needs = db.session.scalars(select(Need).where(Need.source == SOURCE)).all()
    assert {n.status for n in needs} == {NeedStatus.CLOSED}
    assert all(n.closed_at is not None for n in needs)
    haptic = imported(json.loads(CLOSED_FEED.read_bytes())["_challenge"][0]["challenge-id"])
    assert haptic.title == "Haptic Interfaces for Public Safety Challenge"
    assert haptic.budget_max == 425_000 and haptic.budget_currency == "USD"
    assert "disaster_prevention" in haptic.policy_areas  # "public safety"


def test_reimport_updates_by_challenge_id_and_never_duplicates():
    import_feed(OPEN_FEED.read_bytes())
    import_feed(CLOSED_FEED.read_bytes())
    assert count_needs() == 59
    orgs = db.session.scalar(select(func.count(Organization.id)))

    again = import_feed(OPEN_FEED.read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 29)
    assert count_needs() == 59
    assert db.session.scalar(select(func.count(Organization.id))) == orgs

    # the platform closes a challenge and raises its prize: the same row is updated
    document = json.loads(OPEN_FEED.read_bytes())
    entry = document["_challenge"][0]
    entry["challenge_status"] = "closed"
    entry["total-prize-offered-cash"] = "$350,000"
    before = imported("1088")
    need_id, version = before.id, before.version
    changed = import_feed(json.dumps(document).encode())
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 28)
    need = imported("1088")
    assert need.id == need_id and need.version > version
    assert need.status is NeedStatus.CLOSED and need.budget_max == 350_000
    assert count_needs() == 59


def test_import_marks_needs_for_encoding_and_audits():
    user = make_user(Role.ADMIN)
    summary = import_feed(OPEN_FEED.read_bytes(), user)
    assert summary.created == 29
    marked = db.session.info.get(PENDING, set())
    assert {i for kind, i in marked if kind == "need"} == {
        n.id for n in db.session.scalars(select(Need).where(Need.source == SOURCE))
    }
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "need_import")).all()
    assert len(events) == 29 and {e.actor_id for e in events} == {user.id}


def test_only_admins_may_import_through_the_service():
    coordinator = make_user(Role.COORDINATOR)
    with pytest.raises(NotAllowed):
        import_feed(OPEN_FEED.read_bytes(), coordinator)
    assert count_needs() == 0


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json at all",
        b"\xff\xfe\x00garbage",
        b"[1, 2, 3]",
        b'{"items": []}',
        b'{"_challenge": {"challenge-id": "1"}}',
        b'{"_challenge": "nope"}',
        b"[" * 5000,
    ],
)
def test_a_bad_file_gives_a_clear_error_and_imports_nothing(raw):
    with pytest.raises(FeedError) as error:
        import_feed(raw)
    assert error.value.message
    assert count_needs() == 0
    assert db.session.scalar(select(func.count(Organization.id))) == 0


def test_odd_entries_are_skipped_or_tolerated():
    raw = feed(
        "not an object",
        {"challenge-title": "No id"},
        {"challenge-id": "7"},  # no title
        {
            "challenge-id": 8,  # a number, not a string
            "challenge-title": "<b>Bold</b> &amp; <script>alert(1)</script>brave",
            "tagline": None,
            "description": ["odd"],
            "agency": "",
            "total-prize-offered-cash": "Up to $1,500 in prizes",
            "challenge_status": "OPEN",
            "submission-start": "sometime",
            "point-of-contact": "not an e-mail",
            "permalink": "javascript:alert(1)",
        },
        {"challenge-id": "8", "challenge-title": "Duplicate of 8"},
        {"challenge-id": "9", "challenge-title": "Nine", "total-prize-offered-cash": 2500.4},
    )
    summary = import_feed(raw)
    assert summary.created == 2
    reasons = dict(summary.skipped)
    assert set(reasons) == {"#1", "#2", "#3", "8"}
    odd = imported("8")
    assert odd.title == "Bold & brave"
    assert odd.summary == "Bold & brave"  # no tagline: falls back to the title
    assert odd.status is NeedStatus.PUBLISHED
    assert odd.budget_max == 1500 and odd.budget_currency == "USD"
    assert odd.contact_email == "" and odd.source_url == ""
    assert odd.organization.name == "Unknown agency (Challenge.gov)"
    assert imported("9").budget_max == 2500
    assert imported("9").status is NeedStatus.CLOSED  # no status: not advertised as open


def test_an_agency_named_like_a_non_department_is_skipped():
    make_org(OrgKind.STARTUP, name="Acme Agency")
    summary = import_feed(
        feed({"challenge-id": "1", "challenge-title": "T", "agency": "Acme Agency"})
    )
    assert summary.created == 0 and summary.skipped[0][0] == "1"
    assert count_needs() == 0


def test_html_to_text_removes_markup_scripts_and_control_characters():
    html = (
        '<p>A&nbsp;<a href="x" onclick="evil()">link</a></p><style>p{}</style>'
        "<ul><li>one</li><li>two</li></ul>\x07"
    )
    assert html_to_text(html) == "A link\n\n- one\n- two"


def test_parse_helpers():
    assert parse_amount("$15,000,000.00") == 15_000_000
    assert parse_amount("") is None and parse_amount("TBD") is None and parse_amount(True) is None
    assert parse_amount("$" + "9" * 30) is None
    assert parse_date("2020/03/19 12 p.m.").isoformat() == "2020-03-19T16:00:00+00:00"
    assert parse_date("01/03/2020 11:00 PM").isoformat() == "2020-01-04T04:00:00+00:00"
    assert parse_date("soon") is None
