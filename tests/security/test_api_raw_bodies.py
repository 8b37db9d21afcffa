"""Bodies that are not the JSON object a schema expects: nested past the parser's limit, lone
surrogates, NUL, duplicate keys, other content types. A 4xx problem, nothing stored."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.needs.models import Need
from tests.api.helpers import bearer, token_for
from tests.factories import make_org, make_user
from tests.security.helpers import changed_tables, fingerprint
from tests.security.report import REPORT

CATEGORY = "API bodies"


RAW_BODIES = [
    ("application/json", b"[" * 100_000 + b"]" * 100_000),  # nesting deeper than the parser
    ("application/json", b'{"title": "\\ud800", "summary": "x", "policy_areas": ["health"]}'),
    ("application/json", b'{"title": "a\\u0000b", "summary": "x", "policy_areas": ["health"]}'),
    ("application/json", b"{" + b'"a": 1, ' * 50_000 + b'"b": 2}'),
    ("application/json", b'{"title": 1e999999, "summary": "x"}'),
    ("application/json", b"\xff\xfe{\x00}\x00"),
    ("application/json", b"null"),
    ("application/json", b"[]"),
    ("application/json", b'"just a string"'),
    ("application/json", b"{'single': 'quotes'}"),
    ("application/json", b'{"title": "x", "title": "<script>alert(1)</script>"}'),
    ("application/json", b""),
    ("text/html", b"<script>alert(1)</script>"),
    ("application/x-www-form-urlencoded", b"title=x&summary=y"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1"),
    ("application/json; charset=utf-7", b'{"title": "+ADw-script+AD4-"}'),
]


@pytest.mark.parametrize("content_type, raw", RAW_BODIES, ids=range(len(RAW_BODIES)))
def test_raw_bodies(client, content_type, raw):
    """Bodies that are not the JSON object a schema expects: a 4xx problem, nothing stored."""
    user = make_user(Role.DEPARTMENT, org=make_org(OrgKind.DEPARTMENT))
    headers = {**bearer(token_for(user)), "Content-Type": content_type}
    before = fingerprint()
    count_before = db.session.scalar(select(db.func.count()).select_from(Need))
    response = client.post("/api/v1/needs", data=raw, headers=headers)
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "refused" if response.status_code >= 400 else "accepted")
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    assert response.mimetype == "application/problem+json"
    assert json.loads(response.data)["status"] == response.status_code
    assert db.session.scalar(select(db.func.count()).select_from(Need)) == count_before
    assert changed_tables(before, fingerprint()) == []
