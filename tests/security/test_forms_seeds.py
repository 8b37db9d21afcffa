"""Hostile values in the seed forms (create, edit) and script URLs in its website field."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.common import taxonomy
from matchmaker.extensions import db
from matchmaker.seeds.models import Seed, SeedStatus
from tests.factories import make_seed
from tests.security.helpers import Field, FormTarget, count, fingerprint, run_form
from tests.security.report import REPORT
from tests.security.strategies import drop_nul

CATEGORY = "Forms: seeds"

SEED_FIELDS = [
    Field("title", limit=200, required=True, clean=drop_nul, shown=True),
    Field("summary", limit=1000, required=True, clean=drop_nul),
    Field("description", limit=20000, clean=drop_nul),
    Field("track_record", limit=5000, clean=drop_nul),
    Field("keywords", limit=1000, clean=drop_nul, attr="", strict=False),  # count/length rules
    Field("website", limit=500, clean=drop_nul, strict=False),  # http(s) only
    Field("title_translated", limit=200, clean=drop_nul),
    Field("summary_translated", limit=1000, clean=drop_nul),
    Field("trl", kind="choice", choices=tuple(range(1, 10)), coerce=int),
    Field("language", kind="choice", choices=tuple(taxonomy.LANGUAGES)),
    Field("policy_areas", kind="choice", choices=tuple(taxonomy.POLICY_AREAS), attr=""),
]

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example.org/x",
    "http:/\\evil.example.org",
    "https://",
    "file:///etc/passwd",
]


def base_payload() -> dict:
    return {
        "title": "防災ドローン",
        "summary": "災害直後に被災状況を撮影します。",
        "trl": "7",
        "policy_areas": ["disaster_prevention"],
        "language": "ja",
    }


def stored_seed(response) -> Seed:
    return db.session.get(Seed, int(response.headers["Location"].rsplit("/", 1)[-1]))


def test_create_seed_form(client, login_as):
    login_as(Role.PROVIDER)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/seeds/new",
            payload=base_payload,
            stored=stored_seed,
            page=lambda seed: f"/seeds/{seed.id}",
            fields=SEED_FIELDS,
        )
    )


def test_edit_seed_form(client, login_as):
    user = login_as(Role.PROVIDER)
    seed = make_seed(org=user.organization, status=SeedStatus.PUBLISHED)

    def payload():
        db.session.refresh(seed)
        return {**base_payload(), "version": str(seed.version)}

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/seeds/{seed.id}/edit",
            payload=payload,
            stored=lambda r: db.session.get(Seed, seed.id),
            page=lambda s: f"/seeds/{s.id}",
            fields=[*SEED_FIELDS, Field("version", kind="int", high=2**31, attr="", strict=False)],
        )
    )


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_website_refuses_script_urls(client, login_as, url):
    login_as(Role.PROVIDER)
    before, rows = fingerprint(), count(Seed)
    response = client.post("/seeds/new", data={**base_payload(), "website": url})
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "refused" if response.status_code not in (302, 303) else "accepted")
    assert response.status_code == 200, response.status_code  # the form again, with its error
    assert count(Seed) == rows and fingerprint() == before
