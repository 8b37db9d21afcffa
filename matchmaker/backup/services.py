"""Create and restore backups: the database and every uploaded file in one verified archive."""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import current_app

from matchmaker.backup import postgres, sqlite
from matchmaker.backup.archive import (
    DATABASE_DIR,
    FORMAT,
    FORMAT_VERSION,
    UPLOADS_DIR,
    ArchiveWriter,
    BackupError,
    extract,
    upload_files,
    verified_manifest,
)
from matchmaker.backup.tables import table_counts
from matchmaker.extensions import db

ENGINES = {"sqlite": sqlite, "postgresql": postgres}
log = logging.getLogger(__name__)


class Progress:
    """Silent progress; the command line passes one that draws bars and prints lines."""

    def note(self, message: str) -> None:
        pass

    @contextlib.contextmanager
    def bar(self, label: str, length: int):
        yield lambda n=1: None


@dataclass
class BackupResult:
    path: Path
    manifest: dict


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    files: int
    behind_head: bool


def _engine_module(dialect: str):
    if dialect not in ENGINES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {dialect}.")
    return ENGINES[dialect]


@contextlib.contextmanager
def _database_errors():
    """A database that cannot be reached is an expected failure, not a traceback."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        detail = getattr(exc, "orig", None) or exc
        raise BackupError(f"The database could not be used: {detail}".strip()) from None


def default_name(now: datetime) -> str:
    return f"matchmaker-backup-{now:%Y%m%dT%H%M%SZ}.tar.gz"


def _target(output: Path, now: datetime, overwrite: bool) -> Path:
    output = output.expanduser()
    if output.is_dir():
        output = output / default_name(now)
    if output.exists() and not overwrite:
        raise BackupError(f"{output} exists already; choose another name or pass --overwrite.")
    if output.exists() and not output.is_file():
        raise BackupError(f"{output} is not a regular file.")
    if output.parent.exists() and not output.parent.is_dir():
        raise BackupError(f"Cannot write the backup: {output.parent} is not a folder.")
    if not output.parent.is_dir():
        raise BackupError(f"Cannot write the backup: the folder {output.parent} does not exist.")
    return output.absolute()


def create_backup(output: Path, progress: Progress, overwrite: bool = False) -> BackupResult:
    """Snapshot the database, add every upload, write to a temp file and rename it at the end."""
    now = datetime.now(UTC).replace(microsecond=0)
    target = _target(output, now, overwrite)
    engine = db.engine
    module = _engine_module(engine.dialect.name)
    with contextlib.ExitStack() as cleanup:
        try:
            partial = tempfile.NamedTemporaryFile(  # noqa: SIM115 (renamed or removed below)
                dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
            )
            cleanup.callback(Path(partial.name).unlink, missing_ok=True)
            staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".matchmaker-backup-"))
            cleanup.callback(shutil.rmtree, staging, ignore_errors=True)
        except OSError as exc:
            raise BackupError(
                f"Cannot write into {target.parent}: {exc.strerror or exc}."
            ) from None
        try:
            with partial:
                with _database_errors():
                    snap = module.snapshot(engine, staging, progress)
                writer = ArchiveWriter(partial)
                writer.add_file(f"{DATABASE_DIR}/{snap.path.name}", snap.path)
                files = upload_files(Path(current_app.config["UPLOAD_DIR"]))
                with progress.bar("Adding uploaded files", len(files)) as bar:
                    for name, path in files:
                        writer.add_file(name, path)  # a file deleted meanwhile is left out
                        bar(1)
                manifest = _manifest(now, snap)
                writer.close(manifest)
                partial.flush()
                os.fsync(partial.fileno())
            os.replace(partial.name, target)
            _fsync_dir(target.parent)
        except OSError as exc:
            raise BackupError(
                f"Writing the backup {target} failed: {exc.strerror or exc}."
            ) from None
    log.info(
        "backup written to %s (%d files, revision %s)", target, len(writer.files), snap.revision
    )
    return BackupResult(target, {**manifest, "files": writer.files})


def _manifest(now: datetime, snap) -> dict:
    try:
        version = metadata.version("matchmaker")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created_at": now.isoformat().replace("+00:00", "Z"),
        "app_version": version,
        "host": platform.node(),
        "alembic_revision": snap.revision,
        "database": {"dialect": snap.dialect, **snap.details},
        "counts": snap.counts,
    }


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_revision(revision: str) -> bool:
    """True when the revision is this code's head; refuse one the migrations do not know."""
    directory = current_app.extensions["migrate"].directory
    script = ScriptDirectory(directory)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [r for r in revision.split(",") if r not in known]
    if unknown or not revision:
        raise BackupError(
            f"The archive's database is at migration {revision!r}, which this version of "
            "Matchmaker does not know (a backup from a newer version?). Nothing was changed."
        )
    return set(revision.split(",")) == set(script.get_heads())


def restore_backup(archive: Path, progress: Progress) -> RestoreResult:
    """Verify everything first; then swap the uploads in and replace the database."""
    archive = archive.expanduser()
    if not archive.is_file():
        raise BackupError(f"No backup archive at {archive}.")
    engine = db.engine
    module = _engine_module(engine.dialect.name)
    uploads = Path(current_app.config["UPLOAD_DIR"]).absolute()
    uploads.parent.mkdir(parents=True, exist_ok=True)
    try:
        staging = Path(tempfile.mkdtemp(dir=uploads.parent, prefix=".matchmaker-restore-"))
    except OSError as exc:
        raise BackupError(f"Cannot extract beside {uploads}: {exc.strerror or exc}.") from None
    try:
        with progress.bar("Reading and checking the archive", archive.stat().st_size) as bar:
            digests = extract(archive, staging, bar)
        manifest = verified_manifest(staging, digests)
        dialect = manifest.get("database", {}).get("dialect")
        if dialect != engine.dialect.name:
            raise BackupError(
                f"The archive holds a {dialect} database but this app is configured for "
                f"{engine.dialect.name} (MATCHMAKER_DATABASE_URL). Restore it into a {dialect} "
                "database, or back up again from the database you want to restore into."
            )
        behind_head = not check_revision(str(manifest.get("alembic_revision") or ""))
        dumps = sorted((staging / DATABASE_DIR).glob("*"))
        if len(dumps) != 1:
            raise BackupError("The archive must hold exactly one database file.")
        (staging / UPLOADS_DIR).mkdir(exist_ok=True)
        db.session.remove()
        previous = _swap_in(staging / UPLOADS_DIR, uploads, staging / "previous-uploads")
        try:
            with _database_errors():
                module.restore(engine, dumps[0], progress)
        except BaseException:
            _swap_back(uploads, previous, staging / "failed-uploads")
            raise
        with _database_errors(), engine.connect() as conn:
            counts = table_counts(conn)
        if counts != manifest.get("counts"):
            raise BackupError(
                "The restored database does not hold the rows the manifest lists: "
                + ", ".join(_differences(manifest.get("counts") or {}, counts))
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    files = sum(1 for name in digests if name.startswith(UPLOADS_DIR + "/"))
    log.info(
        "backup %s restored (revision %s, %d files)", archive, manifest["alembic_revision"], files
    )
    return RestoreResult(manifest, counts, files, behind_head)


def _differences(expected: dict[str, int], actual: dict[str, int]) -> list[str]:
    names = sorted(set(expected) | set(actual))
    return [
        f"{n}: {expected.get(n)} -> {actual.get(n)}"
        for n in names
        if expected.get(n) != actual.get(n)
    ]


def _swap_in(new: Path, live: Path, keep: Path) -> Path | None:
    """Move the live folder aside and the extracted one in (renames on one file system)."""
    try:
        if live.exists():
            os.rename(live, keep)
        else:
            keep = None
        os.rename(new, live)
    except OSError as exc:
        if keep is not None and keep.exists() and not live.exists():
            os.rename(keep, live)
        raise BackupError(
            f"Cannot replace the upload folder {live}: {exc.strerror or exc}. Nothing was changed."
        ) from None
    return keep


def _swap_back(live: Path, previous: Path | None, trash: Path) -> None:
    os.rename(live, trash)
    if previous is not None:
        os.rename(previous, live)
