"""Hostile values in sign-up, sign-in (with hostile next=), password change and API tokens."""

from __future__ import annotations

import itertools
import math
from types import SimpleNamespace
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role, User
from matchmaker.api.models import ApiToken
from matchmaker.audit.models import AuditEvent
from matchmaker.db import utcnow
from matchmaker.extensions import db, limiter
from tests.factories import PASSWORD, make_org, make_user
from tests.security import strategies as hs
from tests.security.helpers import (
    Field,
    FormTarget,
    changed_tables,
    count,
    fingerprint,
    given_settings,
    run_form,
)
from tests.security.report import REPORT

CATEGORY = "Forms: accounts and tokens"
_n = itertools.count(1)


def lower_clean(value: str) -> str:
    return hs.drop_controls(value).lower()


def one_line(value: str) -> str:
    """Token names: control characters dropped, runs of white space made one space."""
    return " ".join(hs.drop_controls(value).split())


def newest_user() -> User:
    return db.session.scalars(select(User).order_by(User.id.desc())).first()


def signed_out(client):
    def clear():
        with client.session_transaction() as sess:
            sess.clear()
        limiter.reset()

    return clear


def test_register_form(client):
    make_org(OrgKind.DEPARTMENT)  # so the department list is not empty

    def payload():
        n = next(_n)
        return {
            "role": "provider",
            "name": "Hanako Yamada",
            "email": f"hanako{n}@example.org",
            "password": "long enough passphrase 4711",
            "password_confirm": "long enough passphrase 4711",
            "organization_name": f"Sensorica {n}",
            "organization_kind": "startup",
            "organization_id": "0",
        }

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/register",
            payload=payload,
            stored=lambda r: newest_user(),
            page=lambda user: "/account",
            before_each=signed_out(client),
            fields=[
                Field("name", limit=120, required=True),
                Field("email", limit=254, clean=lower_clean, unique=True, strict=False),
                Field("password", limit=128, attr="", mirror="password_confirm", strict=False),
                Field("password_confirm", limit=128, attr="", strict=False),
                Field("organization_name", limit=200, unique=True, attr="organization.name"),
                Field(
                    "organization_kind",
                    kind="choice",
                    attr="organization.kind",
                    choices=("startup", "university", "npo", "company", "social_enterprise"),
                    strict=False,
                ),
                Field("role", kind="choice", choices=("provider",), attr="role"),
                # any whole number passes the form (a provider's is ignored); text does not
                Field(
                    "organization_id",
                    kind="int",
                    low=-math.inf,
                    high=math.inf,
                    attr="",
                    strict=False,
                ),
            ],
        )
    )


def test_change_password_form(client, login_as):
    user = login_as(Role.PROVIDER)
    state = SimpleNamespace(password=PASSWORD)

    def payload():
        return {
            "current_password": state.password,
            "new_password": "another fine passphrase 2027",
            "new_password_confirm": "another fine passphrase 2027",
        }

    def changed(fld, value):
        if fld.name == "new_password":
            state.password = value
        login_as(user=db.session.get(User, user.id))  # the change ended the other sessions

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/account",
            payload=payload,
            stored=lambda r: db.session.get(User, user.id),
            on_accept=changed,
            fields=[
                Field("current_password", limit=128, attr="", strict=False),
                Field(
                    "new_password", limit=128, attr="", mirror="new_password_confirm", strict=False
                ),
                Field("new_password_confirm", limit=128, attr="", strict=False),
            ],
        )
    )


def test_api_token_form(client, login_as):
    user = login_as(Role.PROVIDER)
    state = SimpleNamespace(tokens=0)

    def fresh():  # at most 20 active tokens: revoke the earlier ones, remember the count
        for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            token.revoked_at = token.revoked_at or utcnow()
        db.session.flush()
        state.tokens = count(ApiToken)

    def newest_token(response):
        return db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: "/account/tokens",
            payload=lambda: {"name": "CI client", "lifetime": "90"},
            stored=newest_token,
            page=lambda token: "/account/tokens",
            accepted=lambda r: r.status_code == 200 and count(ApiToken) > state.tokens,
            before_each=fresh,
            fields=[
                Field("name", limit=100, required=True, clean=one_line, shown=True),
                Field("lifetime", kind="choice", choices=("30", "90", "365"), attr=""),
            ],
        )
    )


def test_login_form_and_next_redirect(client):
    """Wrong credentials change nothing but the audit log; `next` never leaves the site."""
    user = make_user(Role.PROVIDER)

    @given(
        email=st.one_of(st.just(user.email), hs.hostile_text(254)),
        password=st.one_of(st.just(PASSWORD), hs.hostile_text(128)),
        next_url=st.one_of(
            st.sampled_from(
                [
                    "https://evil.example.org/",
                    "//evil.example.org",
                    "/\\evil.example.org",
                    "\\\\evil.example.org",
                    "/%2F%2Fevil.example.org",
                    "javascript:alert(1)",
                    "http:evil.example.org",
                    "/\t/evil.example.org",
                    "/dashboard",
                ]
            ),
            hs.hostile_text(),
        ),
    )
    @given_settings
    def check(email, password, next_url):
        REPORT.add(CATEGORY, "examples")
        limiter.reset()
        with client.session_transaction() as sess:
            sess.clear()
        before = fingerprint(skip=("audit_events", "users"))
        failures = count_failed()
        data = {"email": email, "password": password, "next": next_url}
        response = client.post("/login", data=data)
        REPORT.response(CATEGORY, response.status_code)
        assert response.status_code < 500, response.status_code
        if response.status_code in (302, 303):
            REPORT.add(CATEGORY, "accepted")
            assert (email.strip().lower(), password) == (user.email, PASSWORD)
            target = urlsplit(response.headers["Location"])
            assert not target.scheme and not target.netloc, response.headers["Location"]
            assert target.path.startswith("/") and not target.path.startswith("//")
            assert "\\" not in response.headers["Location"]
            return
        REPORT.add(CATEGORY, "refused")
        changed = changed_tables(before, fingerprint(skip=("audit_events", "users")))
        if changed:
            REPORT.add(CATEGORY, "stored_after_refusal")
        assert not changed, changed
        assert count_failed() - failures <= 1

    check()


def count_failed() -> int:
    stmt = select(db.func.count()).where(AuditEvent.action == "login_failed")
    return db.session.scalar(stmt.select_from(AuditEvent))
