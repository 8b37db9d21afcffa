"""Which PostgreSQL client runs, how it is told where to connect, which archive names pass."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from matchmaker.backup import postgres
from matchmaker.backup.archive import BackupError, safe_member_name


@pytest.fixture(autouse=True)
def db_session():
    """No database here."""
    yield None


def fake_clients(root, *versions):
    for version in versions:
        binary = root / str(version) / "bin" / "pg_dump"
        binary.parent.mkdir(parents=True)
        binary.write_text("#!/bin/sh\n")
        binary.chmod(0o755)


def test_the_client_of_the_servers_major_version_wins(tmp_path, monkeypatch):
    fake_clients(tmp_path, 13, 15, 16)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: "/usr/bin/" + name)
    assert postgres.find_tool("pg_dump", 15, tmp_path) == tmp_path / "15/bin/pg_dump"
    assert postgres.find_tool("pg_dump", 14, tmp_path) == tmp_path / "15/bin/pg_dump"
    assert postgres.find_tool("pg_dump", 16, tmp_path) == tmp_path / "16/bin/pg_dump"
    assert str(postgres.find_tool("pg_dump", 17, tmp_path)) == "/usr/bin/pg_dump"


def test_no_client_at_all_names_the_package_to_install(tmp_path, monkeypatch):
    fake_clients(tmp_path, 13)
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    with pytest.raises(BackupError, match=r"pg_dump was not found.*postgresql-client-16"):
        postgres.find_tool("pg_dump", 16, tmp_path)


def test_the_password_travels_in_the_environment_only(monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "from-the-shell")
    url = make_url("postgresql+psycopg://app:s%40cr%3At@db.internal:5433/city?sslmode=require")
    env = postgres.client_env(url, "-c lock_timeout=60s")
    assert env["PGPASSWORD"] == "s@cr:t"
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
        "db.internal",
        "5433",
        "app",
        "city",
    )
    assert env["PGSSLMODE"] == "require" and env["PGOPTIONS"] == "-c lock_timeout=60s"
    assert env["PATH"] == os.environ["PATH"]
    socket = postgres.client_env(make_url("postgresql+psycopg://app@/city?host=/run/postgresql"))
    assert socket["PGHOST"] == "/run/postgresql" and socket["PGPASSWORD"] == "from-the-shell"


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "uploads/../../x",
        "/etc/passwd",
        "uploads\\..\\x",
        "",
        "uploads",
        "manifest.json/x",
        "other/x",
        "database/../manifest.json",
    ],
)
def test_unsafe_or_unexpected_member_names_are_refused(name):
    with pytest.raises(BackupError, match="refused"):
        safe_member_name(name)


@pytest.mark.parametrize(
    "name", ["manifest.json", "database/matchmaker.sqlite3", "uploads/a.pdf", "uploads/x/y.csv"]
)
def test_the_names_a_backup_writes_are_accepted(name):
    assert safe_member_name(name).as_posix() == name
