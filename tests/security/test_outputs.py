"""Hostile text in the other outputs: Atom feeds stay well-formed XML, CSV cells never start a
spreadsheet formula, the JSON feed stays JSON."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
import zipfile

import pytest

from matchmaker.accounts.models import OrgKind
from tests.api.helpers import make_call
from tests.factories import make_need, make_org
from tests.projects.helpers import make_project
from tests.security.report import REPORT

CATEGORY = "Feeds and exports"
HOSTILE_TITLE = '=HYPERLINK("http://evil.example.org")\x0b<script>alert(1)</script>\x1b]]>'
FORMULA_START = ("=", "+", "-", "@")


@pytest.fixture
def hostile_records():
    department = make_org(OrgKind.DEPARTMENT)
    need = make_need(org=department, title=HOSTILE_TITLE, summary="+cmd|' /C calc'!A0")
    make_call(department, need=need, title=HOSTILE_TITLE)
    make_project("adopted", published=True, title=HOSTILE_TITLE, outcome="@SUM(1+1)*cmd|'")


@pytest.mark.parametrize("url", ["/feeds/calls.atom", "/feeds/results.atom"])
def test_feeds_are_well_formed(client, hostile_records, url):
    response = client.get(url)
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "accepted")
    assert response.status_code == 200
    root = ET.fromstring(response.data)  # noqa: S314 (our own feed: raises unless well-formed)
    titles = [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}title")]
    assert any("<script>alert(1)</script>" in t for t in titles)  # as text, not markup
    assert b"<script>" not in response.data


def test_export_cells_never_start_a_formula(client, hostile_records):
    response = client.get("/opendata/export.zip")
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "accepted")
    assert response.status_code == 200
    seen = 0
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        for name in archive.namelist():
            if name.endswith(".csv"):
                text = archive.read(name).decode("utf-8-sig")
                for row in csv.reader(io.StringIO(text)):
                    for cell in row:
                        assert not cell.startswith(FORMULA_START), (name, cell)
                        seen += "HYPERLINK" in cell
            elif name.endswith(".json"):
                json.loads(archive.read(name))
    assert seen  # the hostile title was exported, neutralised
    challenge = client.get("/opendata/challenge-gov.json")
    assert challenge.status_code == 200
    json.loads(challenge.data)
