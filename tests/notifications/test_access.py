"""Routes of notifications, follows and the admin outbox × every role."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.notifications.models import Follow, OutboxMessage, OutboxStatus
from tests.factories import make_need

ROLES = [None, Role.PROVIDER, Role.DEPARTMENT, Role.REVIEWER, Role.COORDINATOR, Role.ADMIN]
ROLE_IDS = [getattr(r, "value", "anonymous") for r in ROLES]
SIGNED_IN_GET = ["/notifications", "/notifications/preferences"]
SIGNED_IN_POST = [
    ("/notifications/read-all", {}),
    ("/notifications/preferences", {"frequency": "daily"}),
    ("/follow/need/{need}", {}),
    ("/follow/need/{need}/delete", {}),
]
ADMIN_GET = ["/admin/outbox", "/admin/outbox?status=stored", "/admin/outbox/{message}"]


@pytest.fixture
def targets():
    message = OutboxMessage(
        to_address="someone@example.org",
        subject="Call opened: 見守り",
        body="The call is open.\n\n/calls/1",
        dedupe_key="access:1",
        status=OutboxStatus.STORED,
    )
    db.session.add(message)
    db.session.flush()
    return {"need": make_need().id, "message": message.id}


def login(login_as, role):
    if role is not None:
        login_as(role)


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
@pytest.mark.parametrize("route", SIGNED_IN_GET)
def test_signed_in_pages(client, login_as, role, route):
    login(login_as, role)
    response = client.get(route)
    if role is None:
        assert response.status_code == 302 and response.location.startswith("/login")
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
@pytest.mark.parametrize("route,data", SIGNED_IN_POST, ids=[r for r, _d in SIGNED_IN_POST])
def test_signed_in_actions(client, login_as, targets, role, route, data):
    login(login_as, role)
    response = client.post(route.format(**targets), data=data)
    assert response.status_code == 302
    if role is None:
        assert response.location.startswith("/login")
        assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


@pytest.mark.parametrize("role", ROLES, ids=ROLE_IDS)
@pytest.mark.parametrize("route", ADMIN_GET)
def test_admin_outbox_is_for_admins_only(client, login_as, targets, role, route):
    login(login_as, role)
    response = client.get(route.format(**targets))
    expected = {None: 302, Role.ADMIN: 200}.get(role, 403)
    assert response.status_code == expected
    if role is Role.ADMIN:
        assert "Call opened: 見守り" in response.get_data(as_text=True)
    else:
        assert "someone@example.org" not in response.get_data(as_text=True)
