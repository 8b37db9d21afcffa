"""Fill, back up, destroy, restore and compare every table and file; create refuses bad outputs."""

from __future__ import annotations

import errno
import hashlib
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from matchmaker.accounts.models import Organization
from matchmaker.backup import archive as archive_module
from matchmaker.backup import postgres
from matchmaker.backup import sqlite as sqlite_module
from matchmaker.common import search_index
from matchmaker.common.search_index import is_index_table
from matchmaker.extensions import db
from tests.backup.conftest import database_state, file_state
from tests.backup.craft import manifest_of, read_members
from tests.conftest import ON_POSTGRES
from tests.factories import make_org


def destroy(world) -> None:
    """Drop every table (or delete the SQLite file) and replace the uploads with a stray file."""
    with world.app.app_context():
        db.session.remove()
        engine = db.engine
        if engine.dialect.name == "sqlite":
            engine.dispose()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    shutil.rmtree(world.uploads)
    world.uploads.mkdir()
    (world.uploads / "stray.pdf").write_bytes(b"%PDF-1.4 not from the backup")


def test_every_table_holds_rows_before_the_backup(world):
    empty = [name for name, rows in world.database.items() if not rows]
    assert not empty, f"fill these tables in tests/backup/conftest.py: {empty}"
    tables = {name for (name,) in world.database["tables"] if not is_index_table(name)}
    assert tables == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    assert any(name.startswith("exports/") for name in world.files)
    assert len(world.files) >= 16


def test_manifest_lists_revision_dialect_counts_and_checksums(world):
    members = read_members(world.archive)
    manifest = manifest_of(members)
    with world.app.app_context():
        heads = ScriptDirectory(world.app.extensions["migrate"].directory).get_heads()
        dialect = db.engine.dialect.name
    assert manifest["format_version"] == 1 and manifest["created_at"].endswith("Z")
    assert [manifest["alembic_revision"]] == heads
    assert manifest["database"]["dialect"] == dialect
    assert manifest["counts"] == {
        name: len(rows) for name, rows in world.database.items() if name != "tables"
    }
    assert set(manifest["files"]) == set(members) - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert entry["sha256"] == hashlib.sha256(members[name]).hexdigest()
    uploads = {
        n.removeprefix("uploads/"): d for n, d in members.items() if n.startswith("uploads/")
    }
    assert {n: hashlib.sha256(d).hexdigest() for n, d in uploads.items()} == world.files
    assert oct(world.archive.stat().st_mode & 0o777) == "0o600"  # it holds password hashes


def test_destroyed_database_and_uploads_come_back_equal(world):
    destroy(world)
    assert database_state(world.app)["tables"] == []
    assert set(file_state(world.uploads)) == {"stray.pdf"}

    result = world.invoke("restore", "--yes", str(world.archive))

    assert result.exit_code == 0, result.output
    assert database_state(world.app) == world.database
    assert file_state(world.uploads) == world.files
    rows = sum(len(r) for n, r in world.database.items() if n != "tables")
    assert f"{rows} rows in {len(world.database) - 1} tables" in result.output
    assert f"{len(world.files)} uploaded files" in result.output
    with world.app.app_context(), db.engine.connect() as conn:  # the search index came back
        assert search_index.missing(conn) == []
        assert len(set(search_index.coverage(conn, "needs"))) == 1
    with world.app.app_context():  # sequences continue after the restored ids
        highest = db.session.scalar(sa.select(sa.func.max(Organization.id)))
        org = make_org()
        db.session.commit()
        assert org.id > highest
        db.session.delete(org)
        db.session.commit()
        db.session.remove()


def test_create_refuses_unwritable_or_existing_outputs(world, tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    cases = {
        str(tmp_path / "no" / "such" / "folder" / "b.tar.gz"): "does not exist",
        str(a_file / "b.tar.gz"): "is not a folder",
        str(world.archive): "exists already",
    }
    for output, message in cases.items():
        result = world.invoke("create", "--output", output)
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_full_disk_leaves_no_half_archive(world, tmp_path, monkeypatch):
    original = archive_module.ArchiveWriter.add_file

    def add_file(self, name, path):
        if name.startswith("uploads/"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, name, path)

    monkeypatch.setattr(archive_module.ArchiveWriter, "add_file", add_file)
    result = world.invoke("create", "--output", str(tmp_path / "full.tar.gz"))
    assert result.exit_code == 1, result.output
    assert "No space left on device" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_create_into_a_folder_picks_a_dated_name(world, tmp_path):
    result = world.invoke("create", "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    [written] = list(tmp_path.iterdir())
    assert written.name.startswith("matchmaker-backup-") and written.name.endswith("Z.tar.gz")
    assert (
        manifest_of(read_members(written))["counts"]
        == manifest_of(read_members(world.archive))["counts"]
    )


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is used on PostgreSQL only")
def test_missing_pg_dump_is_a_clear_error(world, tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "PG_ROOT", tmp_path / "no-postgresql")
    monkeypatch.setattr(postgres.shutil, "which", lambda name: None)
    result = world.invoke("create", "--output", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 1, result.output
    assert "pg_dump was not found" in result.output and "postgresql-client-" in result.output
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_dump is used on PostgreSQL only")
def test_pg_tools_get_no_secret_on_their_command_line(world, tmp_path, monkeypatch):
    seen = []
    original = postgres._run

    def spy(command, env, *args, **kwargs):
        seen.append((command, env))
        return original(command, env, *args, **kwargs)

    monkeypatch.setattr(postgres, "_run", spy)
    result = world.invoke("create", "--output", str(tmp_path / "b.tar.gz"))
    assert result.exit_code == 0, result.output
    [(command, env)] = seen
    assert command[0].endswith("pg_dump") and "--format=custom" in command
    assert not any("://" in arg or "@" in arg or "password" in arg for arg in command)
    assert env["PGDATABASE"] == world.app.config["SQLALCHEMY_DATABASE_URI"].rsplit("/", 1)[1]


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite online backup API")
def test_sqlite_copy_is_one_point_in_time_while_the_app_writes(world, tmp_path, monkeypatch):
    with world.app.app_context():
        live = world.app.extensions["sqlalchemy"].engine.url.database
    started, stop, names = threading.Event(), threading.Event(), []

    def writer():  # another connection commits rows the whole time, for at most 5 s
        conn = sqlite3.connect(live, timeout=30, isolation_level=None)
        deadline = time.monotonic() + 5
        while not stop.is_set() and time.monotonic() < deadline:
            name = f"w{len(names):05d}"
            conn.execute(
                "INSERT INTO job_states (name, lease_owner, last_result) VALUES (?, '', '')",
                (name,),
            )
            names.append(name)
            started.set()
        conn.close()

    original = sqlite_module._copy

    def slow_copy(source, target, bar):  # one page per step, a pause after each
        def step(n):
            time.sleep(0.002)
            bar(n)

        original(source, target, step)

    monkeypatch.setattr(sqlite_module, "PAGES_PER_STEP", 1)
    monkeypatch.setattr(sqlite_module, "_copy", slow_copy)
    thread = threading.Thread(target=writer)
    thread.start()
    started.wait(5)
    try:
        result = world.invoke("create", "--output", str(tmp_path / "busy.tar.gz"))
        written_meanwhile = len(names)
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    members = read_members(tmp_path / "busy.tar.gz")
    copy = tmp_path / "copy.sqlite3"
    copy.write_bytes(members["database/matchmaker.sqlite3"])
    with sqlite3.connect(copy) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        copied = [
            r[0]
            for r in conn.execute("SELECT name FROM job_states WHERE name LIKE 'w%' ORDER BY name")
        ]
    assert copied == names[: len(copied)] and 0 < len(copied) < written_meanwhile
    assert manifest_of(members)["counts"]["job_states"] == len(copied) + 1
    with sqlite3.connect(live, timeout=30) as conn:
        conn.execute("DELETE FROM job_states WHERE name LIKE 'w%'")
