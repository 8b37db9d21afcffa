"""Every /admin route × every role: only an approved administrator gets in."""

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import make_org, make_user

GET_ROUTES = [
    "/admin",
    "/admin/",
    "/admin/users",
    "/admin/organizations",
    "/admin/organizations/{org}/edit",
    "/admin/audit",
]
POST_ROUTES = [
    ("/admin/users/{user}/status", {"action": "approve"}),
    ("/admin/users/{user}/role", {"role": "reviewer"}),
    ("/admin/organizations", {"name": "新しい組織", "kind": "startup"}),
    ("/admin/organizations/{org}/edit", {"name": "改名した局"}),
]
ROLES = [None, Role.PROVIDER, Role.DEPARTMENT, Role.REVIEWER, Role.COORDINATOR, Role.ADMIN]
EXPECTED_GET = {None: 302, Role.ADMIN: 200}
EXPECTED_POST = {None: 302, Role.ADMIN: 302}


@pytest.fixture
def targets():
    org = make_org(OrgKind.DEPARTMENT, name="総務局")
    user = make_user(Role.DEPARTMENT, org=org, status=AccountStatus.PENDING)
    return {"org": org.id, "user": user.id}


def _state(targets):
    user = db.session.get(User, targets["user"])
    org = db.session.get(Organization, targets["org"])
    return (
        user.status,
        user.role,
        org.name,
        db.session.scalar(select(func.count()).select_from(Organization)),
        db.session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize("role", ROLES, ids=lambda r: getattr(r, "value", "anonymous"))
@pytest.mark.parametrize("route", GET_ROUTES)
def test_get_routes(client, login_as, targets, route, role):
    if role is not None:
        login_as(role)
    response = client.get(route.format(**targets))
    assert response.status_code == EXPECTED_GET.get(role, 403)
    if role is None:
        assert response.location.startswith("/login")


@pytest.mark.parametrize("role", ROLES, ids=lambda r: getattr(r, "value", "anonymous"))
@pytest.mark.parametrize("route,data", POST_ROUTES, ids=[r for r, _d in POST_ROUTES])
def test_post_routes(client, login_as, targets, route, data, role):
    if role is not None:
        login_as(role)
    before = _state(targets)
    response = client.post(route.format(**targets), data=data)
    assert response.status_code == EXPECTED_POST.get(role, 403)
    if role is Role.ADMIN:
        assert _state(targets) != before
    else:
        assert _state(targets) == before
        if role is None:
            assert response.location.startswith("/login")


def test_anonymous_is_sent_back_after_signing_in(client):
    response = client.get("/admin/audit?action=login")
    assert response.status_code == 302
    assert "next=%2Fadmin%2Faudit" in response.location


def test_admin_sees_the_link_to_administration(client, login_as):
    login_as(Role.ADMIN)
    assert b'href="/admin"' in client.get("/dashboard").data
    login_as(Role.COORDINATOR)
    assert b'href="/admin"' not in client.get("/dashboard").data


@pytest.mark.parametrize(
    "status,expected", [(AccountStatus.PENDING, 403), (AccountStatus.SUSPENDED, 302)]
)
def test_admin_role_alone_is_not_enough(client, login_as, status, expected):
    """The status is changed behind the session's back: only an active admin gets in."""
    admin = login_as(Role.ADMIN)
    admin.status = status
    db.session.flush()
    assert client.get("/admin").status_code == expected


@pytest.mark.parametrize(
    "method,route",
    [
        ("get", "/admin/organizations/999999/edit"),
        ("post", "/admin/organizations/999999/edit"),
        ("post", "/admin/users/999999/status"),
        ("post", "/admin/users/999999/role"),
    ],
)
def test_unknown_ids_are_404(client, login_as, method, route):
    login_as(Role.ADMIN)
    data = {"action": "approve", "role": "reviewer", "name": "x"}
    response = getattr(client, method)(route, **({"data": data} if method == "post" else {}))
    assert response.status_code == 404


def test_posts_need_a_csrf_token(client, login_as, targets):
    login_as(Role.ADMIN)
    before = _state(targets)
    response = client.post(
        f"/admin/users/{targets['user']}/status", data={"action": "approve"}, csrf=False
    )
    assert response.status_code == 400
    assert _state(targets) == before
