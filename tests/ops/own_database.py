"""Tests whose data another process must see (a subprocess, gunicorn workers) use a database
of their own: an SQLite file, or a database created on the test PostgreSQL server and dropped
after; and a fresh scoped session instead of the rolled-back test session."""

from __future__ import annotations

import contextlib
import secrets
from pathlib import Path

import sqlalchemy as sa

from matchmaker.extensions import db
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL


@contextlib.contextmanager
def own_database(folder: Path, label: str):
    """Yield a database URL nobody else uses."""
    if not ON_POSTGRES:
        yield f"sqlite:///{folder / f'{label}.db'}"
        return
    server = sa.engine.make_url(TEST_DATABASE_URL)
    name = f"{server.database}_{label}_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def committing_session():
    """Swap the test's rolled-back session for a real one while an own-database app is used
    (Flask-SQLAlchemy removes each app context's session when the context ends)."""
    original = db.session
    db.session = db._make_scoped_session({})
    try:
        yield db.session
    finally:
        db.session = original
