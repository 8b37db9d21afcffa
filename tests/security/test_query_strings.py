"""Hostile query strings on every search, filter and list page: 200 or 400, never a 5xx, never
a write, and whatever the page echoes back is escaped."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchmaker.accounts.models import Role
from matchmaker.needs.models import NeedStatus
from tests.factories import make_need, make_seed
from tests.security import strategies as hs
from tests.security.helpers import fingerprint, given_settings, unescaped
from tests.security.report import REPORT

CATEGORY = "Query strings"
SEARCH = ("q", "page", "area", "status", "language")

# (page, who reads it, the parameters it understands)
PAGES = [
    ("/needs", "anonymous", (*SEARCH, "org")),
    ("/needs", Role.COORDINATOR, (*SEARCH, "org")),
    ("/seeds", "anonymous", (*SEARCH, "kind", "trl_min", "trl_max", "ready")),
    ("/calls", "anonymous", SEARCH),
    ("/results", "anonymous", SEARCH),
    ("/analytics", Role.COORDINATOR, ("since", "until", "policy_area")),
    ("/analytics/funnel.csv", Role.COORDINATOR, ("since", "until", "policy_area")),
    ("/admin/users", Role.ADMIN, ("status", "role", "q", "organization", "page")),
    ("/admin/audit", Role.ADMIN, ("action", "actor", "since", "until", "page")),
    ("/admin/organizations", Role.ADMIN, ("kind", "page")),
    ("/admin/outbox", Role.ADMIN, ("status", "page")),
    (
        "/needs/{need}",
        Role.COORDINATOR,
        ("match", "area", "min_trl", "org_kind", "ready", "language", "diversify"),
    ),
    ("/seeds/{seed}", Role.PROVIDER, ("match", "area", "language", "diversify")),
    (
        "/needs/{need}/review-queue",
        Role.COORDINATOR,
        ("match", "area", "min_trl", "org_kind", "status", "diversify"),
    ),
    ("/proposals/mine", Role.PROVIDER, ("page",)),
    ("/login", "anonymous", ("next",)),
    ("/feeds/calls.atom", "anonymous", ("q", "area")),
    ("/api/v1/needs", "anonymous", ("q", "page", "per_page", "policy_area", "language", "status")),
    (
        "/api/v1/seeds",
        "anonymous",
        ("q", "page", "per_page", "trl_min", "trl_max", "ready_for_pilot"),
    ),
    ("/api/v1/calls", "anonymous", ("q", "page", "per_page", "status", "policy_area")),
    ("/api/v1/results", "anonymous", ("q", "page", "per_page", "status")),
]


def values() -> st.SearchStrategy[str]:
    return st.one_of(
        hs.hostile_text(200),
        hs.int_strings(1, 100_000),
        hs.date_strings(),
        st.sampled_from(["elderly_care", "published", "ja", "startup", "1", "on", "true"]),
    )


@pytest.mark.parametrize(
    "path, reader, names", PAGES, ids=[f"{p} as {getattr(r, 'value', r)}" for p, r, _ in PAGES]
)
def test_query_string(client, login_as, path, reader, names):
    user = None if reader == "anonymous" else login_as(reader)
    need = make_need()
    seed = make_seed(org=user.organization if reader == Role.PROVIDER else None)
    make_need(status=NeedStatus.DRAFT, title="<script>alert(1)</script>")
    url = path.format(need=need.id, seed=seed.id)

    @given(
        params=st.dictionaries(
            st.one_of(st.sampled_from(names), hs.hostile_text(20)), values(), max_size=4
        )
    )
    @given_settings(cap=5)  # test_query_string_edges sends the edge values every time
    def check(params):
        REPORT.add(CATEGORY, "examples")
        before = fingerprint(skip=("matching_index_state",))
        response = client.get(url, query_string=params)
        REPORT.response(CATEGORY, response.status_code)
        assert response.status_code < 500, (response.status_code, params)
        assert response.status_code in (200, 400, 422), (response.status_code, params)
        REPORT.add(CATEGORY, "accepted" if response.status_code == 200 else "refused")
        after = fingerprint(skip=("matching_index_state",))
        if after != before:
            REPORT.add(CATEGORY, "stored_after_refusal")
            raise AssertionError(f"a GET changed the database: {params}")
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            for value in params.values():
                problem = unescaped(html, value, marked=len(value) > 12 and "<" in value)
                if problem:
                    REPORT.add(CATEGORY, "shown_unescaped")
                    raise AssertionError(problem)

    check()


EDGES = (
    "0001-01-01",
    "9999-12-31",
    "99999999999999999999",
    "²",  # str.isdigit() says yes, int() says no
    "a\x00b",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "x" * 201,
)


@pytest.mark.parametrize(
    "path, reader, names", PAGES, ids=[f"{p} as {getattr(r, 'value', r)}" for p, r, _ in PAGES]
)
def test_query_string_edges(client, login_as, path, reader, names):
    """Every parameter with each edge value, so `make test` always tries them."""
    user = None if reader == "anonymous" else login_as(reader)
    need = make_need()
    seed = make_seed(org=user.organization if reader == Role.PROVIDER else None)
    url = path.format(need=need.id, seed=seed.id)
    for name in names:
        for value in EDGES:
            REPORT.add(CATEGORY, "examples")
            response = client.get(url, query_string={name: value})
            REPORT.response(CATEGORY, response.status_code)
            REPORT.add(CATEGORY, "accepted" if response.status_code == 200 else "refused")
            assert response.status_code in (200, 400, 422), (response.status_code, name, value)
