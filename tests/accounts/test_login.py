"""Sign-in, sign-out, rate limits, redirects and session invalidation."""

import pytest

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_user


def login(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def test_login_and_logout(client):
    user = make_user(Role.PROVIDER)
    response = login(client, user.email)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    assert client.get("/dashboard").status_code == 200
    assert client.post("/logout", data={}).status_code == 302
    assert client.get("/dashboard").status_code == 302  # back to login


def test_wrong_password_is_refused_and_audited(client):
    user = make_user(Role.PROVIDER)
    response = login(client, user.email, "wrong password of length")
    assert response.status_code == 200
    assert b"wrong" in response.data or "パスワード".encode() in response.data
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "login_failed" in actions


def test_suspended_account_cannot_sign_in(client):
    user = make_user(Role.PROVIDER, status=AccountStatus.SUSPENDED)
    assert login(client, user.email).status_code == 200
    assert client.get("/dashboard").status_code == 302


def test_login_is_rate_limited_per_account(client):
    user = make_user(Role.PROVIDER)
    statuses = [login(client, user.email, "not the password!!").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    # the right password is refused too while the limit holds
    assert login(client, user.email).status_code == 429


def test_login_is_rate_limited_per_ip(client):
    statuses = [
        login(client, f"nobody{i}@example.org", "not the password!!").status_code for i in range(21)
    ]
    assert 429 not in statuses[:20] and statuses[20] == 429


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/needs", "/needs"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
def test_next_only_follows_local_paths(client, target, expected):
    user = make_user(Role.PROVIDER)
    response = login(client, user.email, next=target)
    assert response.status_code == 302
    assert response.location == expected


def test_post_without_csrf_token_is_rejected(client):
    user = make_user(Role.PROVIDER)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_password_change_ends_other_sessions(app, client):
    user = make_user(Role.PROVIDER)
    other = app.test_client()
    assert login(other, user.email).status_code == 302
    assert login(client, user.email).status_code == 302
    response = client.post(
        "/account",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new passphrase 7",
            "new_password_confirm": "a brand new passphrase 7",
        },
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302
