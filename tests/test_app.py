"""App-level behaviour: headers, error pages, configuration, migrations."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from matchmaker import create_app
from matchmaker.common.search_index import alembic_include_name
from matchmaker.config import ConfigError
from matchmaker.db import Base
from matchmaker.extensions import db


def test_security_headers(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert b"Traceback" not in response.data


def test_json_clients_get_problem_details(client):
    response = client.get("/does-not-exist", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("MATCHMAKER_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app(
            {
                "ENV": "production",
                "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            }
        )


def test_development_generates_a_secret_key_once(tmp_path):
    first = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    second = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    assert first.secret_key == second.secret_key and len(first.secret_key) >= 32


def test_upload_settings_reach_the_upload_service(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_MAX_UPLOAD_BYTES", "2048")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": "sqlite://"})
    with app.app_context():
        from matchmaker.uploads import services

        assert services.upload_dir() == tmp_path / "uploads"
        assert services.max_file_bytes() == 2048
        assert services.org_quota_bytes() == 200 * 1024 * 1024


def test_migrations_match_the_models(app):
    """Equivalent of `alembic check`: the upgraded schema has no diff against the ORM metadata."""
    with app.app_context(), db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": alembic_include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_retry_after_only_where_a_retry_is_meant(client):
    """The limiter would put its window's reset on every page of a limited route (/login)."""
    page = client.post("/login", data={"email": "nobody@example.org", "password": "wrong"})
    assert page.status_code == 200 and "Retry-After" not in page.headers
    assert page.headers["X-RateLimit-Limit"]  # the limit itself is still announced


def test_sqlite_pragmas(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


@pytest.mark.parametrize("attempt", [1, 2])
def test_each_test_starts_with_an_empty_database(client, attempt):
    """Writes made through requests are rolled back with the test."""
    from matchmaker.accounts.models import User
    from tests.factories import make_user

    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    user = make_user(email="same@example.org")
    client.post("/login", data={"email": user.email, "password": "wrong wrong wrong"})


def _sqlite_error(message: str, code: int, name: str):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    orig = sqlite3.OperationalError(message)
    orig.sqlite_errorcode, orig.sqlite_errorname = code, name
    return OperationalError("UPDATE x", {}, orig)


def test_a_stale_snapshot_is_a_conflict_not_a_500(app, client, monkeypatch):
    """Another request committed after this one read: a lost race, so reload (409), not retry."""

    def stale():
        raise _sqlite_error("database is locked", 517, "SQLITE_BUSY_SNAPSHOT")

    monkeypatch.setitem(app.view_functions, "main.index", stale)
    response = client.get("/")
    assert response.status_code == 409
    assert "Reload the page" in response.get_data(as_text=True)


def test_a_database_locked_past_its_busy_timeout_is_a_503_not_a_500(app, client, monkeypatch):
    """A writer held the lock longer than the busy timeout: nothing was saved, retry (503)."""

    def locked():
        raise _sqlite_error("database is locked", 5, "SQLITE_BUSY")

    monkeypatch.setitem(app.view_functions, "main.index", locked)
    response = client.get("/?page=2")
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert "Nothing was saved" in page and 'href="/?page=2"' in page
    assert response.headers["X-Request-Id"] in page
    assert "Traceback" not in page and "UPDATE x" not in page
