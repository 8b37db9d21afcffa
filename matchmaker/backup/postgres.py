"""PostgreSQL: pg_dump of an exported snapshot; restore as one transaction through psql."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import deque
from pathlib import Path

from sqlalchemy.engine import URL, Engine

from matchmaker.backup.archive import BackupError
from matchmaker.backup.tables import Snapshot, alembic_revision, table_counts

PG_ROOT = Path("/usr/lib/postgresql")
LOCK_TIMEOUT = "60s"  # a restore waits this long for the app's connections to let go
# URL query parameters that libpq also reads from the environment
QUERY_ENV = {
    "sslmode": "PGSSLMODE",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslrootcert": "PGSSLROOTCERT",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "host": "PGHOST",
    "port": "PGPORT",
}
RESET_SCHEMA = "DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"
# the dump's own CREATE SCHEMA public is left out: RESET_SCHEMA has made it already
SCHEMA_ENTRY = re.compile(r"^\d+;\s+\d+\s+\d+\s+SCHEMA\s+-\s+public\s")


def find_tool(name: str, server_major: int, root: Path | None = None) -> Path:
    """The client of the server's major version, else the oldest newer one, else PATH."""
    root = root or PG_ROOT
    installed = {}
    for binary in root.glob(f"*/bin/{name}"):
        version = binary.parent.parent.name
        if version.isdigit() and os.access(binary, os.X_OK):
            installed[int(version)] = binary
    usable = sorted(v for v in installed if v >= server_major)
    if usable:
        return installed[usable[0]]
    found = shutil.which(name)
    if found:
        return Path(found)
    raise BackupError(
        f"{name} was not found (looked in {root}/*/bin and on PATH). Install the PostgreSQL "
        f"client tools of the server's version, e.g. `apt-get install postgresql-client-"
        f"{server_major}`."
    )


def client_env(url: URL, extra_options: str = "") -> dict[str, str]:
    """libpq settings from the app's URL; the password travels only in PGPASSWORD."""
    env = dict(os.environ)
    env["PGAPPNAME"] = "matchmaker-backup"
    for key, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[key] = str(value)
    for key, value in url.query.items():
        if key in QUERY_ENV:
            env[QUERY_ENV[key]] = value if isinstance(value, str) else value[-1]
    if extra_options:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {extra_options}".strip()
    return env


def _run(command: list[str], env: dict[str, str], on_line=None, stdout=None) -> None:
    """Run a client tool; on failure, its error lines (never the environment) become the message."""
    tail: deque[str] = deque(maxlen=20)
    try:
        process = subprocess.Popen(  # noqa: S603 (fixed arguments, no shell)
            command, env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
    except OSError as exc:
        raise BackupError(f"Cannot run {command[0]}: {exc.strerror or exc}.") from None
    for line in process.stderr:
        tail.append(line.rstrip())
        if on_line:
            on_line(line)
    if process.wait() != 0:
        errors = [t for t in tail if re.search(r"error|fatal|could not", t, re.I)] or list(tail)
        detail = "\n  ".join(errors[-8:])
        raise BackupError(
            f"{Path(command[0]).name} failed (exit {process.returncode}):\n  {detail}"
        )


def snapshot(engine: Engine, staging: Path, progress) -> Snapshot:
    """Counts and revision read in the very snapshot pg_dump then dumps (pg_export_snapshot)."""
    dump = staging / "matchmaker.pgdump"
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            revision = alembic_revision(conn)
            counts = table_counts(conn)
            server = conn.exec_driver_sql("SHOW server_version").scalar()
            major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
            pg_dump = find_tool("pg_dump", major)
            command = [
                str(pg_dump),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--schema=public",
                "--verbose",
                f"--snapshot={snapshot_id}",
                f"--file={dump}",
            ]
            with progress.bar("Dumping the PostgreSQL database", len(counts)) as bar:

                def on_line(line: str) -> None:
                    if "dumping contents of table" in line:
                        bar(1)

                _run(command, client_env(engine.url), on_line)
    details = {"server_version": server, "pg_dump": str(pg_dump)}
    return Snapshot("postgresql", dump, revision, counts, details)


def restore(engine: Engine, dump: Path, progress) -> None:
    """Replace the public schema with the dump's in one transaction: a failure changes nothing."""
    with engine.connect() as conn:
        major = int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000
    engine.dispose()
    script = dump.with_suffix(".sql")
    reset = dump.with_name("reset.sql")
    reset.write_text(RESET_SCHEMA)
    env = client_env(engine.url, f"-c lock_timeout={LOCK_TIMEOUT} -c client_min_messages=warning")
    progress.note("Restoring the PostgreSQL database (one transaction)…")
    pg_restore = find_tool("pg_restore", major)
    listing = dump.with_name("toc.list")
    with listing.open("w") as out:
        _run([str(pg_restore), "--list", str(dump)], env, stdout=out)
    entries = listing.read_text().splitlines(keepends=True)
    listing.write_text("".join(e for e in entries if not SCHEMA_ENTRY.match(e)))
    _run(
        [
            str(pg_restore),
            "--no-owner",
            "--no-privileges",
            f"--use-list={listing}",
            f"--file={script}",
            str(dump),
        ],
        env,
    )
    psql = find_tool("psql", major)
    _run(
        [
            str(psql),
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={reset}",
            f"--file={script}",
        ],
        env,
    )
