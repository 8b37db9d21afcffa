"""SQLite: copies through the online backup API, safe while the app keeps writing (WAL)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from matchmaker.backup.archive import BackupError
from matchmaker.backup.tables import Snapshot, alembic_revision, table_counts

PAGES_PER_STEP = 1024
BUSY_TIMEOUT_S = 30


def database_path(engine: Engine) -> Path:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"Only an SQLite database in a file can be backed up (got {name!r}).")
    return Path(name).resolve()


def _copy(source: sqlite3.Connection, target: sqlite3.Connection, bar) -> None:
    """Copy page by page; `bar` advances by the pages copied since the last step."""
    done = 0

    def step(_status, remaining, total):
        nonlocal done
        bar(max(total - remaining - done, 0))
        done = total - remaining

    source.backup(target, pages=PAGES_PER_STEP, progress=step)


def snapshot(engine: Engine, staging: Path, progress) -> Snapshot:
    """Copy the live database inside one read transaction, so every step sees the same state."""
    path = database_path(engine)
    if not path.is_file():
        raise BackupError(f"The SQLite database {path} does not exist.")
    copy = staging / "matchmaker.sqlite3"
    try:
        with (
            closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as src,
            closing(sqlite3.connect(copy, isolation_level=None)) as dst,
        ):
            src.execute("BEGIN")
            pages = src.execute("PRAGMA page_count").fetchone()[0]
            with progress.bar("Copying the SQLite database", pages) as bar:
                _copy(src, dst, bar)
            src.execute("COMMIT")
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
    except sqlite3.Error as exc:
        raise BackupError(f"Copying the SQLite database {path} failed: {exc}.") from None
    revision, counts = describe(copy)
    return Snapshot("sqlite", copy, revision, counts, {"sqlite_version": sqlite3.sqlite_version})


def describe(path: Path) -> tuple[str, dict[str, int]]:
    """Revision and row counts of a database file."""
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            return alembic_revision(conn), table_counts(conn)
    except sa.exc.DatabaseError as exc:
        raise BackupError(f"{path.name} is not a readable SQLite database: {exc.orig}.") from None
    finally:
        engine.dispose()


def restore(engine: Engine, dump: Path, progress) -> None:
    """Write the copy into the configured file with the backup API, in one write transaction."""
    path = database_path(engine)
    engine.dispose()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with (
            closing(sqlite3.connect(dump, isolation_level=None)) as src,
            closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as dst,
        ):
            dst.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
            pages = src.execute("PRAGMA page_count").fetchone()[0]
            with progress.bar("Restoring the SQLite database", pages) as bar:
                _copy(src, dst, bar)
    except sqlite3.Error as exc:
        raise BackupError(
            f"Restoring into {path} failed: {exc}. The database is unchanged."
        ) from None
