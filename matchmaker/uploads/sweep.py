"""Files no row names: left when a server dies between writing the bytes and committing the row."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.uploads.models import Attachment
from matchmaker.uploads.services import upload_dir

STORAGE_NAME = re.compile(r"[0-9a-f]{32}\.pdf")  # what store_pdf writes; nothing else is touched
# a request still running may have written its file and not yet committed the row
GRACE = timedelta(hours=1)
CHUNK = 500


@dataclass
class SweepReport:
    checked: int = 0
    orphans: list[Path] = field(default_factory=list)
    removed: int = 0
    orphan_bytes: int = 0
    missing: list[str] = field(default_factory=list)  # rows whose file is gone


def sweep_orphans(remove: bool, grace: timedelta = GRACE, now: float | None = None) -> SweepReport:
    """Find (and with `remove`, delete) upload files older than `grace` that no row names;
    also list rows whose file is missing, which only a restore from backup can bring back."""
    folder = upload_dir()
    cutoff = (now or time.time()) - grace.total_seconds()
    files = {
        p.name: p
        for p in folder.iterdir()
        if STORAGE_NAME.fullmatch(p.name) and p.is_file() and not p.is_symlink()
    }
    report = SweepReport(checked=len(files))
    names = sorted(files)
    named: set[str] = set()
    for start in range(0, len(names), CHUNK):
        chunk = names[start : start + CHUNK]
        stmt = select(Attachment.storage_name).where(Attachment.storage_name.in_(chunk))
        named.update(db.session.scalars(stmt))
    report.orphans = [
        files[name] for name in names if name not in named and files[name].stat().st_mtime < cutoff
    ]
    report.orphan_bytes = sum(p.stat().st_size for p in report.orphans)
    report.missing = [
        name
        for name in db.session.scalars(select(Attachment.storage_name).order_by(Attachment.id))
        if name not in files
    ]
    if remove:
        for path in report.orphans:
            path.unlink(missing_ok=True)
            report.removed += 1
    return report
