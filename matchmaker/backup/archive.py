"""The backup archive: a gzip tar with the database, the uploads and a manifest of checksums."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path, PurePosixPath

FORMAT = "matchmaker-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_DIR = "database"
UPLOADS_DIR = "uploads"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """An expected failure (bad archive, missing tool, unwritable path): shown without a trace."""


class _HashingReader:
    """Reads a file for tarfile while computing the sha256 of exactly what went in."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.digest.update(data)
        return data


class _CountingReader:
    """Reports how many bytes of the archive were read, for the progress bar."""

    def __init__(self, handle, progress: Callable[[int], None]):
        self.handle = handle
        self.progress = progress

    def read(self, size: int = -1) -> bytes:
        data = self.handle.read(size)
        self.progress(len(data))
        return data


class ArchiveWriter:
    """Adds files one by one, remembers their checksums, writes the manifest last."""

    def __init__(self, fileobj):
        self.tar = tarfile.open(  # noqa: SIM115 (closed by close(), after the manifest)
            fileobj=fileobj, mode="w:gz", format=tarfile.PAX_FORMAT
        )
        self.files: dict[str, dict] = {}

    def add_file(self, name: str, path: Path) -> bool:
        """Store `path` as `name`; False when the file vanished before it could be read."""
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            return False
        with handle:
            size = os.fstat(handle.fileno()).st_size
            info = _member_info(name, size)
            reader = _HashingReader(handle)
            self.tar.addfile(info, reader)
        self.files[name] = {"sha256": reader.digest.hexdigest(), "size": size}
        return True

    def close(self, manifest: dict) -> None:
        data = json.dumps({**manifest, "files": self.files}, indent=2, sort_keys=True).encode()
        self.tar.addfile(_member_info(MANIFEST, len(data)), io.BytesIO(data))
        self.tar.close()


def _member_info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o600
    info.mtime = int(time.time())
    return info


def safe_member_name(name: str) -> PurePosixPath:
    """The member's relative path, or an error for absolute paths and `..` (path traversal)."""
    path = PurePosixPath(name)
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or path.is_absolute()
        or ".." in path.parts
        or path.parts[0] not in (MANIFEST, DATABASE_DIR, UPLOADS_DIR)
        or (path.parts[0] == MANIFEST and len(path.parts) > 1)
        or (path.parts[0] != MANIFEST and len(path.parts) < 2)
    ):
        raise BackupError(f"The archive holds an unsafe or unexpected member {name!r}: refused.")
    return path


def extract(archive: Path, target: Path, progress: Callable[[int], None]) -> dict[str, str]:
    """Extract regular files under `target` and return their sha256; refuse links and devices."""
    digests: dict[str, str] = {}
    try:
        with (
            archive.open("rb") as raw,
            tarfile.open(fileobj=_CountingReader(raw, progress), mode="r|*") as tar,
        ):
            for member in tar:
                path = safe_member_name(member.name)
                if member.isdir():
                    continue
                if not member.isreg():
                    raise BackupError(
                        f"The archive member {member.name!r} is a link or a device: refused."
                    )
                key = path.as_posix()
                if key in digests:
                    raise BackupError(f"The archive holds {member.name!r} twice: refused.")
                destination = target.joinpath(*path.parts)
                destination.parent.mkdir(parents=True, exist_ok=True)
                source = tar.extractfile(member)
                digest = hashlib.sha256()
                with source, destination.open("xb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                digests[key] = digest.hexdigest()
    except (tarfile.TarError, EOFError, zlib.error, UnicodeError) as exc:
        raise BackupError(f"{archive} is not a readable backup archive ({exc}).") from None
    except OSError as exc:
        raise BackupError(
            f"Cannot extract {archive} into {target}: {exc.strerror or exc}."
        ) from None
    return digests


def verified_manifest(target: Path, digests: dict[str, str]) -> dict:
    """The manifest, once every member's checksum matches and nothing is missing or extra."""
    if MANIFEST not in digests:
        raise BackupError("The archive has no manifest.json: it is not a Matchmaker backup.")
    try:
        manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
        expected = {name: str(entry["sha256"]) for name, entry in files.items()}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BackupError(f"The archive's manifest.json cannot be read ({exc}).") from None
    shape = {"alembic_revision": str, "database": dict, "counts": dict, "created_at": str}
    wrong = sorted(k for k, kind in shape.items() if not isinstance(manifest.get(k), kind))
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"The archive is not a Matchmaker backup of format version {FORMAT_VERSION} "
            f"(format {manifest.get('format')!r}, version {manifest.get('format_version')!r})."
        )
    if wrong:
        raise BackupError(f"The archive's manifest.json lacks or garbles: {', '.join(wrong)}.")
    actual = {name: d for name, d in digests.items() if name != MANIFEST}
    problems = sorted(
        [f"{n} (checksum differs)" for n in actual if n in expected and expected[n] != actual[n]]
        + [f"{n} (not in the manifest)" for n in actual if n not in expected]
        + [f"{n} (missing)" for n in expected if n not in actual]
    )
    if problems:
        shown = ", ".join(problems[:5]) + (f" and {len(problems) - 5} more" if problems[5:] else "")
        raise BackupError(f"The archive is damaged or was altered: {shown}. Nothing was changed.")
    return manifest


def upload_files(folder: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every regular file under the upload folder; links are skipped."""
    if not folder.is_dir():
        return []
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            path = Path(root, name)
            if path.is_symlink() or not path.is_file():
                continue
            found.append((f"{UPLOADS_DIR}/{path.relative_to(folder).as_posix()}", path))
    return found
