"""Fixtures in the indico style: one app per session, a rolled-back database session per test."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_sqlalchemy.session import _app_ctx_id
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import orm

from matchmaker import create_app
from matchmaker.accounts.models import Role
from matchmaker.extensions import db, limiter
from tests import factories

TEST_DATABASE_URL = os.environ.get("MATCHMAKER_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def reset_database(url: str) -> None:
    """Start from an empty schema so the migrations themselves are exercised."""
    if not url.startswith("postgresql"):
        return
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


def build_app(database_url: str, instance: Path, **overrides):
    from flask_migrate import upgrade

    reset_database(database_url)
    app = create_app(
        {
            "ENV": "testing",
            "TESTING": True,
            "MATCHMAKER_RAISE_ERRORS": os.environ.get("MATCHMAKER_RAISE_ERRORS") == "1",
            "SECRET_KEY": "test-secret-key",
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(instance),
            "UPLOAD_DIR": str(instance / "uploads"),
            **overrides,
        }
    )
    with app.app_context():
        upgrade()
    return app


class CSRFClient(FlaskClient):
    """Adds a valid CSRF token to form posts unless the test passes csrf=False.

    Pages come in English unless a test asks otherwise (assertions use the English msgids).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        send_token = kwargs.pop("csrf", True)
        data = kwargs.get("data")
        method = kwargs.get("method", "GET").upper()
        if (
            send_token
            and method not in ("GET", "HEAD", "OPTIONS")
            and isinstance(data, dict)
            and "csrf_token" not in data
            and kwargs.get("json") is None
        ):
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        # each request gets its own app context (fresh `g`, its own session on the test
        # connection), as in production; the test's objects are then expired to see its writes
        db.session.flush()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = os.urandom(20).hex()
            raw = sess["csrf_token"]
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    url = TEST_DATABASE_URL or f"sqlite:///{instance / 'test.db'}"
    app = build_app(url, instance)
    app.test_client_class = CSRFClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(app):
    """Each test runs inside a transaction that is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = orm.scoped_session(
            orm.sessionmaker(bind=connection, join_transaction_mode="create_savepoint"),
            scopefunc=_app_ctx_id,
        )
        limiter.reset()
        try:
            yield db.session
        finally:
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.session = original


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Create a user of the given role (with an organization where the role has one) and sign in."""

    def _login(role: Role | str = Role.PROVIDER, user=None, **kwargs):
        user = user or factories.make_user(Role(role), **kwargs)
        with client.session_transaction() as sess:
            sess["_user_id"] = user.get_id()
            sess["_fresh"] = True
        return user

    return _login


@pytest.fixture
def tmp_instance():
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)
