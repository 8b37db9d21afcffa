"""Faults: a busy or unreachable database gives a 503 with a retry (a lost race stays a 409);
a failure at commit time too; and a server killed in the middle of a submission leaves the
whole proposal or nothing, everything acknowledged readable after a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg.errors
import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.exc import DisconnectionError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from matchmaker import create_app
from matchmaker.accounts.models import OrgKind, Role
from matchmaker.common.persistence import is_unavailable, is_write_conflict
from matchmaker.extensions import db
from matchmaker.proposals.models import Proposal
from tests.conftest import CSRFClient
from tests.factories import make_org, make_user
from tests.ops.own_database import committing_session
from tests.proposals.helpers import make_call, proposal_form

ROOT = Path(__file__).resolve().parent.parent
RETRY = "Nothing was saved; try again in a few seconds."


def sqlite_error(code: int, message: str = "database is locked") -> OperationalError:
    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode = code
    return OperationalError("INSERT", {}, orig)


def pg_error(cls) -> OperationalError:
    return OperationalError("INSERT", {}, cls("from the server"))


@pytest.mark.parametrize(
    ("exc", "conflict", "unavailable"),
    [
        (StaleDataError("version moved"), True, False),
        (sqlite_error(517), True, False),  # SQLITE_BUSY_SNAPSHOT: a stale read snapshot
        (sqlite_error(5), False, True),  # SQLITE_BUSY after the busy timeout
        (sqlite_error(778, "disk I/O error"), False, True),  # SQLITE_IOERR_WRITE
        (sqlite_error(13, "database or disk is full"), False, True),
        (sqlite_error(14, "unable to open database file"), False, True),
        (sqlite_error(1, "no such table: needs"), False, False),  # a bug, not an outage
        (OperationalError("x", {}, sqlite3.OperationalError("database is locked")), False, True),
        (pg_error(psycopg.errors.SerializationFailure), True, False),
        (pg_error(psycopg.errors.DeadlockDetected), True, False),
        (pg_error(psycopg.errors.LockNotAvailable), False, True),  # lock_timeout
        (pg_error(psycopg.errors.QueryCanceled), False, True),  # statement_timeout
        (pg_error(psycopg.errors.AdminShutdown), False, True),
        (pg_error(psycopg.errors.DiskFull), False, True),
        (pg_error(psycopg.errors.TooManyConnections), False, True),
        (OperationalError("x", {}, psycopg.OperationalError("connection refused")), False, True),
        (DisconnectionError("gone"), False, True),
        (IntegrityError("x", {}, sqlite3.IntegrityError("UNIQUE")), False, False),
    ],
)
def test_database_errors_are_sorted_into_races_and_outages(exc, conflict, unavailable):
    assert is_write_conflict(exc) is conflict
    assert is_unavailable(exc) is unavailable


def assert_retry_page(response, retry_href: str, label: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert response.headers["Retry-After"] == "5"  # also on the limiter's routes (/login)
    assert RETRY in page and f'href="{retry_href}"' in page and label in page
    assert response.headers["X-Request-Id"] in page
    assert "Traceback" not in page and "sqlite" not in page.lower()


# --- a failure at commit time (the shared test database) -------------------------------------


@pytest.fixture
def applicant(login_as):
    owner = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
    login_as(user=owner)
    return owner, make_call(make_org(OrgKind.DEPARTMENT))


def fail_commit(monkeypatch, exc) -> None:
    def commit():
        raise exc

    monkeypatch.setattr(db.session, "commit", commit)


def count(model) -> int:
    return db.session.scalar(select(sa.func.count()).select_from(model))


def test_a_commit_that_fails_is_a_503_and_nothing_is_saved(client, applicant, monkeypatch):
    _owner, call = applicant
    fail_commit(monkeypatch, sqlite_error(778, "disk I/O error"))
    form = f"/calls/{call.id}/proposals/new"
    response = client.post(
        form, data=proposal_form(), headers={"Referer": f"http://localhost{form}"}
    )
    assert_retry_page(response, form, "Back to the form")
    assert "saved as a draft" not in response.get_data(as_text=True)
    monkeypatch.undo()
    assert count(Proposal) == 0
    assert client.get("/").status_code == 200  # the "saved" message was dropped, not shown later
    assert "saved as a draft" not in client.get("/").get_data(as_text=True)


def test_a_lost_race_at_commit_stays_a_409(client, applicant, monkeypatch):
    _owner, call = applicant
    fail_commit(monkeypatch, pg_error(psycopg.errors.SerializationFailure))
    response = client.post(f"/calls/{call.id}/proposals/new", data=proposal_form())
    assert response.status_code == 409
    assert "Reload the page" in response.get_data(as_text=True)
    monkeypatch.undo()
    assert count(Proposal) == 0


def test_json_clients_get_a_problem_with_retry_after(client, monkeypatch):
    fail_commit(monkeypatch, pg_error(psycopg.errors.AdminShutdown))
    for path, headers in (("/", {"Accept": "application/json"}), ("/api/v1/needs", {})):
        response = client.get(path, headers=headers)
        assert response.status_code == 503 and response.mimetype == "application/problem+json"
        assert response.headers["Retry-After"] == "5"
        body = response.get_json()
        assert body["status"] == 503 and RETRY in body["detail"]
        assert body["request_id"] == response.headers["X-Request-Id"]


# --- a database that cannot be reached -------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-directory/matchmaker.db",
        "postgresql+psycopg://matchmaker@127.0.0.1:9/matchmaker?connect_timeout=3",
    ],
    ids=["sqlite-missing", "postgresql-refused"],
)
def test_an_unreachable_database_gives_503_pages_and_a_failing_healthz(url, tmp_path):
    settings = {"ENV": "testing", "TESTING": True, "SECRET_KEY": "test-secret-key"}
    app = create_app({**settings, "DATABASE_URL": url, "INSTANCE_PATH": str(tmp_path)})
    app.test_client_class = CSRFClient
    client = app.test_client()
    with committing_session(), app.app_context():
        assert_retry_page(
            client.get("/needs?q=flood&page=2"), "/needs?q=flood&amp;page=2", "Try again"
        )
        login = client.post(
            "/login",
            data={"email": "a@example.org", "password": "x" * 16},
            headers={"Referer": "http://localhost/login?next=/dashboard"},
        )
        assert_retry_page(login, "/login?next=/dashboard", "Back to the form")
        with client.session_transaction() as sess:  # a signed-in visitor: the user cannot load
            sess.update({"_user_id": "1:token", "_fresh": True})
        assert_retry_page(client.get("/dashboard"), "/dashboard", "Try again")
        problem = client.get("/api/v1/needs")
        assert problem.status_code == 503 and problem.mimetype == "application/problem+json"
        health = client.get("/healthz")
        assert health.status_code == 503
        checks = health.get_json()["checks"]
        assert checks["database"]["status"] == "fail"
        assert checks["matcher"]["status"] == "fail" and checks["matcher"]["revision"] is None
        assert "127.0.0.1:9" not in health.get_data(as_text=True)
        assert client.get("/livez").status_code == 200
