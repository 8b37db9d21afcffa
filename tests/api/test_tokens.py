"""Tokens: shown once, stored as a hash, revocable, expiring; the pages behind sign-in + CSRF."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.api import tokens
from matchmaker.api.models import ApiToken
from matchmaker.audit.models import AuditEvent
from matchmaker.common.errors import DomainError
from matchmaker.db import utcnow
from matchmaker.extensions import db
from tests.api.helpers import token_for
from tests.factories import make_user

TOKEN_RE = re.compile(r"mm_[A-Za-z0-9_\-]{40,}")


def all_tokens():
    return list(db.session.scalars(select(ApiToken)))


def test_create_stores_only_the_hash():
    user = make_user(Role.PROVIDER)
    issued = tokens.create_token(user, "CI job", 30)
    row = db.session.get(ApiToken, issued.token.id)
    assert row.token_hash == hashlib.sha256(issued.plain.encode()).hexdigest()
    assert row.prefix == issued.plain[:12] and issued.plain not in (row.name, row.prefix)
    assert row.expires_at - row.created_at == timedelta(days=30)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token_create"))
    assert all(issued.plain not in str(e.details) for e in events)


def test_token_page_creates_shows_once_and_lists(client, login_as):
    user = login_as(Role.DEPARTMENT)
    response = client.post("/account/tokens", data={"name": "Sync script", "lifetime": "90"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    plain = TOKEN_RE.search(response.get_data(as_text=True)).group(0)
    (row,) = all_tokens()
    assert row.user_id == user.id and row.name == "Sync script"
    assert row.token_hash == tokens.hash_token(plain)
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Sync script" in listing and row.prefix in listing and plain not in listing
    assert "Never" in listing  # not used yet


def test_token_page_requires_sign_in_approval_and_csrf(client, login_as):
    assert client.get("/account/tokens").status_code == 302
    login_as(Role.PROVIDER, status=AccountStatus.PENDING)
    assert client.get("/account/tokens").status_code == 403
    login_as(Role.PROVIDER)
    refused = client.post("/account/tokens", data={"name": "x", "lifetime": "90"}, csrf=False)
    assert refused.status_code == 400 and all_tokens() == []


def test_token_page_rejects_bad_input(client, login_as):
    login_as(Role.PROVIDER)
    response = client.post("/account/tokens", data={"name": "", "lifetime": "7"})
    assert response.status_code == 200 and all_tokens() == []
    assert not TOKEN_RE.search(response.get_data(as_text=True))


def test_revoke_then_401(client, api, login_as):
    user = login_as(Role.PROVIDER)
    plain = token_for(user)
    assert api.get("/api/v1/me", plain).status_code == 200
    (row,) = all_tokens()
    assert client.post(f"/account/tokens/{row.id}/revoke", data={}).status_code == 302
    assert db.session.get(ApiToken, row.id).revoked_at is not None
    response = api.get("/api/v1/me", plain)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_cannot_revoke_someone_elses_token(client, login_as):
    other = make_user(Role.PROVIDER)
    plain = token_for(other)
    login_as(Role.PROVIDER)
    (row,) = all_tokens()
    assert client.post(f"/account/tokens/{row.id}/revoke", data={}).status_code == 404
    assert db.session.get(ApiToken, row.id).revoked_at is None
    assert tokens.authenticate(plain) is not None


def test_revoke_needs_csrf(client, login_as):
    user = login_as(Role.PROVIDER)
    token_for(user)
    (row,) = all_tokens()
    response = client.post(f"/account/tokens/{row.id}/revoke", data={}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(ApiToken, row.id).revoked_at is None


def test_expired_token_is_401(api):
    user = make_user(Role.PROVIDER)
    plain = token_for(user, 30)
    row = all_tokens()[0]
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    assert api.get("/api/v1/me", plain).status_code == 401


def test_suspended_account_token_is_401(api):
    user = make_user(Role.PROVIDER)
    plain = token_for(user)
    user.status = AccountStatus.SUSPENDED
    db.session.flush()
    assert api.get("/api/v1/me", plain).status_code == 401


def test_unknown_or_malformed_token_is_401(api):
    for header in ("Bearer mm_nope", "Bearer ", "Basic abc", "Bearer " + "x" * 300):
        response = api.get("/api/v1/needs", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.get_json()["status"] == 401


def test_me_and_last_used(api):
    user = make_user(Role.DEPARTMENT)
    plain = token_for(user)
    body = api.get("/api/v1/me", plain).get_json()
    assert body["id"] == user.id and body["role"] == "department"
    assert body["organization"]["kind"] == "department"
    assert body["token"]["prefix"] == plain[:12]
    assert all_tokens()[0].last_used_at is not None
    assert api.get("/api/v1/me").status_code == 401


def test_session_cookie_is_ignored_by_the_api(client, api, login_as):
    login_as(Role.DEPARTMENT)
    assert api.get("/api/v1/me").status_code == 401
    body = {"title": "t", "summary": "s", "policy_areas": ["health"]}
    assert api.post("/api/v1/needs", json=body).status_code == 401


def test_active_token_limit():
    user = make_user(Role.PROVIDER)
    for n in range(tokens.MAX_ACTIVE_TOKENS):
        tokens.create_token(user, f"t{n}")
    with pytest.raises(DomainError):
        tokens.create_token(user, "one too many")
