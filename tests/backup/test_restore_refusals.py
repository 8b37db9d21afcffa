"""Restore refuses what is unsafe (altered, hostile, unreadable, unconfirmed); nothing changes."""

from __future__ import annotations

import sqlite3
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from matchmaker.accounts.models import Organization, OrgKind
from matchmaker.backup import postgres
from matchmaker.backup import sqlite as sqlite_module
from matchmaker.extensions import db
from tests.backup.craft import (
    flip_byte,
    manifest_of,
    member,
    read_members,
    with_manifest,
    write_archive,
)
from tests.conftest import ON_POSTGRES

ABSOLUTE_ESCAPE = "/tmp/matchmaker-backup-escape.pdf"  # noqa: S108 (a hostile member's name)


def assert_refused(world, result, before, *expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output
    assert world.state() == before
    leftovers = [p.name for p in world.uploads.parent.iterdir() if p.name.startswith(".")]
    assert not leftovers


def _tamper(kind: str, members: dict, dialect: str) -> dict:
    upload = next(n for n in members if n.startswith("uploads/"))
    database = next(n for n in members if n.startswith("database/"))
    manifest = manifest_of(members)
    if kind == "upload changed":
        return {**members, upload: flip_byte(members[upload], 20)}
    if kind == "database changed":
        return {**members, database: flip_byte(members[database], 5000)}
    if kind == "member not in manifest":
        return {**members, "uploads/extra.pdf": b"%PDF-1.4 extra"}
    if kind == "member missing":
        return {n: d for n, d in members.items() if n != upload}
    if kind == "no manifest":
        return {n: d for n, d in members.items() if n != "manifest.json"}
    if kind == "manifest not json":
        return {**members, "manifest.json": b"{not json"}
    if kind == "garbled manifest":
        return with_manifest(members, {**manifest, "database": "sqlite", "counts": None})
    if kind == "unknown revision":
        return with_manifest(members, {**manifest, "alembic_revision": "ffffffffffff"})
    other = "sqlite" if dialect == "postgresql" else "postgresql"
    return with_manifest(members, {**manifest, "database": {"dialect": other}})


TAMPERING = {
    "upload changed": "checksum differs",
    "database changed": "checksum differs",
    "member not in manifest": "not in the manifest",
    "member missing": "(missing)",
    "no manifest": "no manifest.json",
    "manifest not json": "manifest.json cannot be read",
    "garbled manifest": "lacks or garbles: counts, database",
    "unknown revision": "does not know",
    "other dialect": "configured for",
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_a_tampered_archive_is_refused_and_changes_nothing(world, tmp_path, kind):
    with world.app.app_context():
        dialect = db.engine.dialect.name
    altered = write_archive(
        tmp_path / "altered.tar.gz", _tamper(kind, read_members(world.archive), dialect)
    )
    before = world.state()
    result = world.invoke("restore", "--yes", str(altered))
    assert_refused(world, result, before, TAMPERING[kind])


@pytest.mark.parametrize(
    "hostile",
    [
        member("../escape.pdf", size=10),
        member("uploads/../../escape.pdf", size=10),
        member(ABSOLUTE_ESCAPE, size=10),
        member("uploads/link.pdf", tarfile.SYMTYPE, link="/etc/passwd"),
        member("uploads/hard.pdf", tarfile.LNKTYPE, link="manifest.json"),
        member("uploads/tty", tarfile.CHRTYPE),
        member("uploads/pipe", tarfile.FIFOTYPE),
        member("elsewhere/file.txt", size=10),
    ],
    ids=lambda m: m.name,
)
def test_unsafe_members_are_refused(world, tmp_path, hostile):
    members = read_members(world.archive)
    listed = with_manifest(members, manifest_of(members), rehash=True)
    hostile_archive = write_archive(tmp_path / "hostile.tar.gz", listed, [hostile])
    before = world.state()
    result = world.invoke("restore", "--yes", str(hostile_archive))
    assert_refused(world, result, before, "refused")
    for place in (world.folder, world.uploads.parent, tmp_path):
        assert not (place / "escape.pdf").exists()
    assert not Path(ABSOLUTE_ESCAPE).exists()


def test_missing_truncated_or_foreign_archives_are_refused(world, tmp_path):
    before = world.state()
    missing = world.invoke("restore", "--yes", str(tmp_path / "nothing.tar.gz"))
    assert_refused(world, missing, before, "No backup archive at")
    truncated = tmp_path / "truncated.tar.gz"
    data = world.archive.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    assert_refused(world, world.invoke("restore", "--yes", str(truncated)), before, "readable")
    foreign = tmp_path / "photo.tar.gz"
    foreign.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(500))
    assert_refused(world, world.invoke("restore", "--yes", str(foreign)), before, "readable")


def test_restore_asks_first_and_refuses_without_a_yes(world):
    before = world.state()
    answered_no = world.invoke("restore", str(world.archive), input="n\n")
    assert "REPLACES the whole database" in answered_no.output
    assert_refused(world, answered_no, before, "cancelled", "--yes")
    no_terminal = world.invoke("restore", str(world.archive), input="")
    assert_refused(world, no_terminal, before, "cancelled")
    answered_yes = world.invoke("restore", str(world.archive), input="y\n")
    assert answered_yes.exit_code == 0, answered_yes.output
    assert world.state() == (world.database, world.files)


def test_a_restore_that_fails_midway_changes_nothing(world, monkeypatch):
    if ON_POSTGRES:  # fails inside the one transaction, after the schema was dropped
        monkeypatch.setattr(postgres, "RESET_SCHEMA", postgres.RESET_SCHEMA + "SELECT 1/0;\n")
    else:  # fails after some pages were written into the live file
        original = sqlite_module._copy

        def failing_copy(source, target, bar):
            steps = []

            def step(n):
                steps.append(n)
                if len(steps) == 20:
                    raise sqlite3.OperationalError("disk I/O error")
                bar(n)

            original(source, target, step)

        monkeypatch.setattr(sqlite_module, "PAGES_PER_STEP", 1)
        monkeypatch.setattr(sqlite_module, "_copy", failing_copy)
    with world.app.app_context():
        db.session.add(Organization(name="added after the backup", kind=OrgKind.NPO))
        db.session.commit()
        db.session.remove()
    before = world.state()
    result = world.invoke("restore", "--yes", str(world.archive))
    assert_refused(world, result, before, "failed")
    assert before[0] != world.database  # the row added after the backup is still there
    with world.app.app_context():
        db.session.execute(sa.delete(Organization).where(Organization.name.startswith("added")))
        db.session.commit()
        db.session.remove()
