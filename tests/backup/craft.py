"""Build altered copies of a backup archive: tampered bytes, hostile members, edited manifests."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from pathlib import Path


def read_members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isreg()}


def write_archive(path: Path, members: dict[str, bytes], extra: list[tarfile.TarInfo] = ()) -> Path:
    """Write the members, then the extra (hostile) ones: a refusal must undo what came before."""
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info, io.BytesIO(b"x" * info.size) if info.isreg() else None)
    return path


def manifest_of(members: dict[str, bytes]) -> dict:
    return json.loads(members["manifest.json"])


def with_manifest(members: dict[str, bytes], manifest: dict, rehash: bool = False) -> dict:
    """Members with this manifest; `rehash` makes its checksums match the members again."""
    if rehash:
        manifest["files"] = {
            name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
            for name, data in members.items()
            if name != "manifest.json"
        }
    return {**members, "manifest.json": json.dumps(manifest).encode()}


def flip_byte(data: bytes, at: int = 100) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def member(
    name: str, kind: bytes = tarfile.REGTYPE, size: int = 0, link: str = ""
) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = size
    info.linkname = link
    return info
