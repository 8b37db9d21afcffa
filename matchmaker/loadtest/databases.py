"""Where the load database lives: a temporary SQLite file (WAL), or a dedicated database on a
loopback PostgreSQL server (given, found on the default port, or started here like .ci/run)."""

from __future__ import annotations

import contextlib
import glob
import ipaddress
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_PG_DATABASE = "mm_load"
PROBE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/" + DEFAULT_PG_DATABASE


class TargetRefused(RuntimeError):
    """The run would leave the machine or wipe a database that is not meant for it."""


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1, localhost, or a local socket directory."""
    if not host or host.startswith("/"):
        return True
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Target:
    """One database for one pass of the run; `close()` undoes what was set up for it."""

    kind: str  # "sqlite" | "postgresql"
    url: str
    note: str = ""
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def version(self) -> str:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as conn:
                if self.kind == "sqlite":
                    return "SQLite " + conn.exec_driver_sql("select sqlite_version()").scalar_one()
                settings = {
                    name: conn.exec_driver_sql(f"show {name}").scalar_one()
                    for name in ("server_version", "fsync", "shared_buffers")
                }
                return (
                    f"PostgreSQL {settings['server_version']} (fsync {settings['fsync']}, "
                    f"shared_buffers {settings['shared_buffers']})"
                )
        finally:
            engine.dispose()

    def close(self) -> None:
        while self.cleanups:
            with contextlib.suppress(Exception):
                self.cleanups.pop()()


def sqlite_target(directory: Path) -> Target:
    path = directory / "load.db"
    return Target("sqlite", f"sqlite:///{path}", note=f"temporary file {path.name}, WAL")


def _admin_engine(url):
    return sa.create_engine(
        url.set(database="postgres"),
        isolation_level="AUTOCOMMIT",
        connect_args={"connect_timeout": 5},
    )


def _reachable(url) -> bool:
    engine = _admin_engine(url)
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def _prepare_database(target: Target, url) -> None:
    """Create the database, or empty its schema when it exists; drop it later if created."""
    name = url.database
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            exists = conn.execute(
                sa.text("select 1 from pg_database where datname = :n"), {"n": name}
            ).first()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    if exists:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
        target.note += f"; database {name} emptied"
    else:
        target.note += f"; database {name} created for this run and dropped after"
        target.cleanups.append(lambda: _drop_database(url))


def _drop_database(url) -> None:
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
    finally:
        engine.dispose()


def postgres_target(option: str | None) -> Target:
    """--pg-url, MATCHMAKER_LOAD_PG_URL, a server on 127.0.0.1:5432, or a temporary one."""
    raw = option or os.environ.get("MATCHMAKER_LOAD_PG_URL") or ""
    target = Target("postgresql", "")
    if raw:
        url = make_url(raw)
        if not url.drivername.startswith("postgresql"):
            raise TargetRefused(f"--pg-url must be a PostgreSQL URL, not {url.drivername}")
        if not url.database:
            url = url.set(database=DEFAULT_PG_DATABASE)
        target.note = f"server {url.host}:{url.port or 5432}"
    elif _reachable(make_url(PROBE_URL)):
        url = make_url(PROBE_URL)
        target.note = "local server 127.0.0.1:5432"
    else:
        url = _start_server(target)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if not is_loopback(url.host):
        raise TargetRefused(f"the load run only uses a loopback database server, not {url.host}")
    if "load" not in url.database:
        raise TargetRefused(
            f"the load run empties its database: name one with 'load' in it, not {url.database!r}"
        )
    _prepare_database(target, url)
    target.url = url.render_as_string(hide_password=False)
    return target


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found and shutil.which("initdb"):
        return Path(shutil.which("initdb")).parent
    if not found:
        raise TargetRefused(
            "no PostgreSQL server reachable and no initdb to start one (apt-get install "
            "postgresql, or pass --pg-url / MATCHMAKER_LOAD_PG_URL)"
        )
    return Path(found[-1]).parent


def _as_pg(args: list[str]) -> list[str]:
    """initdb refuses root: run the server tools as the postgres user (as .ci/run does)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _start_server(target: Target):
    bin_dir = _pg_bin()
    # in the system's temporary folder: the run's own folder is root's alone (mode 0700), and
    # the postgres user must reach the cluster's folder
    data = Path(tempfile.mkdtemp(prefix="matchmaker-load-pg."))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    data.chmod(0o700)
    port = free_port()

    def run(*args: str) -> None:
        subprocess.run(_as_pg(list(args)), check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    run(
        str(bin_dir / "initdb"),
        "-D",
        f"{data}/data",
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        f"{data}/data",
        "-l",
        f"{data}/server.log",
        "-w",
        "-t",
        "60",
        "-o",
        f"-h 127.0.0.1 -p {port} -k {data}",
        "start",
    )

    def stop() -> None:
        subprocess.run(  # noqa: S603 (fixed arguments, no shell)
            _as_pg([str(bin_dir / "pg_ctl"), "-D", f"{data}/data", "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(data, ignore_errors=True)

    target.cleanups.append(stop)
    target.note = f"temporary server started for this run on 127.0.0.1:{port}"
    return make_url(f"postgresql+psycopg://postgres@127.0.0.1:{port}/{DEFAULT_PG_DATABASE}")
