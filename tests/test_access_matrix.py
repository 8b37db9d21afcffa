"""Every route × every role: the server decides who may see and do what.

The table must name every route of the app: a new route without a row fails
`test_every_route_is_in_the_matrix`, so access is decided before a route ships. The tables of
issue 4's routes (calls, proposals, evaluation, review queue, notifications) and their larger
world are in tests/test_access_matrix_calls.py, issue 5's (projects, results, feeds, analytics,
API tokens, open data) in tests/test_access_matrix_projects.py; the completeness test reads them
too. The JSON API under /api/v1 authenticates by bearer token, not by the session these tables
use: its routes are covered by its own matrix, tests/api/test_permissions.py MATRIX.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.db import Base
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.seeds.models import SeedStatus
from tests.factories import make_need, make_org, make_seed, make_user

ROLES = (
    "anonymous",
    "provider",
    "other_provider",
    "department",
    "other_department",
    "reviewer",  # assigned to the call under evaluation (tests/test_access_matrix_calls.py)
    "other_reviewer",  # assigned to the same call, with a declared conflict with the provider
    "coordinator",
    "admin",
)
SIGNED_IN = ROLES[1:]


def expect(default: int, **overrides: int) -> dict[str, int]:
    table = dict.fromkeys(ROLES, default)
    table.update(overrides)
    return table


LOGIN = 302  # anonymous visitors are sent to the sign-in page
PUBLIC = expect(200)
SIGNED_IN_ONLY = expect(200, anonymous=LOGIN)
ADMIN_ONLY = expect(403, anonymous=LOGIN, admin=200)
STAFF_ONLY = expect(403, anonymous=LOGIN, coordinator=200, admin=200)
DEPARTMENTS_ONLY = expect(403, anonymous=LOGIN, department=200, other_department=200)
PROVIDERS_ONLY = expect(403, anonymous=LOGIN, provider=200, other_provider=200)

# (endpoint, method, url with {placeholders}, expected status per role)
GET_MATRIX = [
    ("main.index", "/", PUBLIC),
    ("ops.livez", "/livez", PUBLIC),
    ("ops.healthz", "/healthz", PUBLIC),
    ("accounts.login", "/login", PUBLIC),
    ("accounts.register", "/register", expect(302, anonymous=200)),
    ("accounts.account", "/account", SIGNED_IN_ONLY),
    ("main.dashboard", "/dashboard", SIGNED_IN_ONLY),
    ("admin.index", "/admin", ADMIN_ONLY),
    ("admin.users", "/admin/users", ADMIN_ONLY),
    ("admin.audit", "/admin/audit", ADMIN_ONLY),
    ("admin.organizations", "/admin/organizations", ADMIN_ONLY),
    ("admin.organization_edit", "/admin/organizations/{org}/edit", ADMIN_ONLY),
    ("needs.list_needs", "/needs", PUBLIC),
    ("needs.review_queue", "/needs/review", STAFF_ONLY),
    ("needs.new_need", "/needs/new", DEPARTMENTS_ONLY),
    ("needs.show_need", "/needs/{published_need}", PUBLIC),
    ("needs.show_need", "/needs/{draft_need}", expect(404, department=200)),
    (
        "needs.show_need",
        "/needs/{review_need}",
        expect(404, department=200, coordinator=200, admin=200),
    ),
    ("needs.edit_need", "/needs/{draft_need}/edit", expect(404, anonymous=LOGIN, department=200)),
    (
        "needs.edit_need",
        "/needs/{published_need}/edit",
        expect(403, anonymous=LOGIN, department=200),
    ),
    ("seeds.list_seeds", "/seeds", PUBLIC),
    ("seeds.my_seeds", "/seeds/mine", PROVIDERS_ONLY),
    ("seeds.new_seed", "/seeds/new", PROVIDERS_ONLY),
    ("seeds.show_seed", "/seeds/{published_seed}", PUBLIC),
    ("seeds.show_seed", "/seeds/{draft_seed}", expect(404, provider=200)),
    ("seeds.edit_seed", "/seeds/{draft_seed}/edit", expect(404, anonymous=LOGIN, provider=200)),
    ("seeds.edit_seed", "/seeds/{published_seed}/edit", expect(403, anonymous=LOGIN, provider=200)),
]

DENIED = (403, 404)
# (endpoint, url, roles allowed to succeed); every other signed-in role must get 403 or 404
POST_MATRIX = [
    ("needs.submit", "/needs/{draft_need}/submit", {"department"}),
    ("needs.approve", "/needs/{review_need}/approve", {"coordinator", "admin"}),
    ("needs.request_changes", "/needs/{review_need}/request-changes", {"coordinator", "admin"}),
    ("needs.close", "/needs/{published_need}/close", {"department", "coordinator", "admin"}),
    ("needs.archive", "/needs/{closed_need}/archive", {"department", "coordinator", "admin"}),
    ("seeds.change_status", "/seeds/{draft_seed}/publish", {"provider"}),
    ("seeds.change_status", "/seeds/{published_seed}/archive", {"provider", "admin"}),
    ("admin.user_status", "/admin/users/{pending_user}/status", {"admin"}),
    ("admin.user_role", "/admin/users/{pending_user}/role", {"admin"}),
]
POST_DATA = {
    "needs.request_changes": {"comment": "Please add the budget."},
    "admin.user_status": {"action": "approve"},
    "admin.user_role": {"role": "department"},
}
# routes whose access is by design open to anyone, covered by their own feature tests
OPEN_POSTS = {
    "accounts.login",
    "accounts.logout",
    "accounts.register",
    "accounts.account",
    "needs.new_need",
    "needs.edit_need",
    "seeds.new_seed",
    "seeds.edit_seed",
    "admin.organizations",
    "admin.organization_edit",
    "static",
}


def make_world():
    """Two departments, two providers, and needs and seeds in the states that matter."""
    department, other_department = make_org(OrgKind.DEPARTMENT), make_org(OrgKind.DEPARTMENT)
    startup, other_startup = make_org(OrgKind.STARTUP), make_org(OrgKind.STARTUP)
    users = {
        "provider": make_user(Role.PROVIDER, org=startup),
        "other_provider": make_user(Role.PROVIDER, org=other_startup),
        "department": make_user(Role.DEPARTMENT, org=department),
        "other_department": make_user(Role.DEPARTMENT, org=other_department),
        "reviewer": make_user(Role.REVIEWER),
        "other_reviewer": make_user(Role.REVIEWER),
        "coordinator": make_user(Role.COORDINATOR),
        "admin": make_user(Role.ADMIN),
    }
    from matchmaker.accounts.models import AccountStatus

    ids = {
        "org": other_startup.id,
        "draft_need": make_need(department, NeedStatus.DRAFT).id,
        "review_need": make_need(department, NeedStatus.IN_REVIEW).id,
        "published_need": make_need(department, NeedStatus.PUBLISHED).id,
        "closed_need": make_need(department, NeedStatus.CLOSED).id,
        "draft_seed": make_seed(startup, SeedStatus.DRAFT).id,
        "published_seed": make_seed(startup, SeedStatus.PUBLISHED).id,
        "pending_user": make_user(
            Role.DEPARTMENT, org=other_department, status=AccountStatus.PENDING
        ).id,
        "startup": startup.id,
    }
    return users, ids


@pytest.fixture
def world():
    return make_world()


def sign_in(login_as, users, role):
    if role != "anonymous":
        login_as(user=users[role])


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, to prove that a refused request changed nothing."""
    db.session.expire_all()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
        for table in Base.metadata.sorted_tables
    }


def api_matrix_routes(app) -> set[tuple[str, str]]:
    """(endpoint, method) of every row of the API's own matrix (bearer tokens, not cookies)."""
    from tests.api.test_permissions import MATRIX

    adapter = app.url_map.bind("localhost")
    return {
        (adapter.match(re.sub(r"\{\w+\}", "1", url), method=method)[0], method)
        for method, url, _body, _expected in MATRIX
    }


def web_tables():
    from tests.test_access_matrix_calls import CALL_GET_MATRIX, CALL_POST_MATRIX
    from tests.test_access_matrix_projects import PROJECT_GET_MATRIX, PROJECT_POST_MATRIX

    calls = (CALL_GET_MATRIX, CALL_POST_MATRIX)
    return (GET_MATRIX, POST_MATRIX, *calls, PROJECT_GET_MATRIX, PROJECT_POST_MATRIX)


def test_every_route_is_in_the_matrix(app):
    covered = {row[0] for table in web_tables() for row in table} | OPEN_POSTS
    covered |= {endpoint for endpoint, _method in api_matrix_routes(app)}
    routes = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert routes - covered == set()


def test_every_api_method_is_in_the_api_matrix(app):
    """Under /api/v1 one endpoint serves several methods (GET and PATCH): each needs a row."""
    in_web_tables = {row[0] for table in web_tables() for row in table}  # the OpenAPI document
    api = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/") and rule.endpoint not in in_web_tables
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert api, "no API routes found"
    assert api - api_matrix_routes(app) == set()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "url", "expected"), GET_MATRIX, ids=[f"{row[0]}:{row[1]}" for row in GET_MATRIX]
)
def test_get_access(client, login_as, world, role, endpoint, url, expected):
    users, ids = world
    sign_in(login_as, users, role)
    response = client.get(url.format(**ids))
    assert response.status_code == expected[role], f"{role} GET {url}"
    if response.status_code == LOGIN and role == "anonymous":
        assert "/login" in response.location


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "url", "allowed"), POST_MATRIX, ids=[f"{row[0]}:{row[1]}" for row in POST_MATRIX]
)
def test_post_access(client, login_as, world, role, endpoint, url, allowed):
    users, ids = world
    sign_in(login_as, users, role)
    before = snapshot() if role not in allowed else None
    response = client.post(url.format(**ids), data=POST_DATA.get(endpoint, {}))
    if before is not None:
        assert snapshot() == before, f"{role} POST {url} changed the database"
    if role == "anonymous":
        assert response.status_code == LOGIN and "/login" in response.location
    elif role in allowed:
        assert response.status_code == 302, f"{role} POST {url}"
    else:
        assert response.status_code in DENIED, f"{role} POST {url}"
