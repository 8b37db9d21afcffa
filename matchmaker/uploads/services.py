"""Store PDFs safely and hand them back only as downloads."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import secrets
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from matchmaker.common.errors import DomainError
from matchmaker.extensions import db
from matchmaker.uploads.models import Attachment

PDF_MAGIC = b"%PDF-"
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_ORG_QUOTA_BYTES = 200 * 1024 * 1024
WRITE_CHUNK = 1024 * 1024
_WRITTEN = "uploads_written_in_transaction"

log = logging.getLogger("matchmaker.uploads")


class UploadRejected(DomainError):
    """The file is not a PDF, is too big, or would exceed the organization's quota."""

    status_code = 422


class StorageFailed(UploadRejected):
    """The disk refused the bytes: 507 when full or over quota, 503 for other I/O errors."""

    status_code = 507

    def __init__(self, message: str, status_code: int = 507):
        super().__init__(message)
        self.status_code = status_code

    @classmethod
    def from_os_error(cls, exc: OSError) -> StorageFailed:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return cls(
                _(
                    "The server has no room for this file right now; nothing was saved. "
                    "Try again later or contact the coordinators."
                ),
                507,
            )
        return cls(
            _(
                "The server could not store this file right now; nothing was saved. "
                "Try again later or contact the coordinators."
            ),
            503,
        )


def upload_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def max_file_bytes() -> int:
    return int(current_app.config.get("MAX_UPLOAD_BYTES") or DEFAULT_MAX_FILE_BYTES)


def org_quota_bytes() -> int:
    return int(current_app.config.get("ORG_UPLOAD_QUOTA_BYTES") or DEFAULT_ORG_QUOTA_BYTES)


def display_name(filename: str | None) -> str:
    """The name shown and offered on download: no paths, no control characters."""
    name = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if not name.lower().endswith(".pdf"):
        name = f"{name or 'document'}.pdf"
    return name[-200:]


def used_bytes(organization_id: int | None) -> int:
    if organization_id is None:
        return 0
    query = select(func.coalesce(func.sum(Attachment.size), 0)).where(
        Attachment.organization_id == organization_id
    )
    return int(db.session.scalar(query))


def store_pdf(stream, filename: str | None, uploader, organization_id: int | None) -> Attachment:
    """Check the bytes (size, PDF signature, quota), write them under a random name, flush."""
    limit = max_file_bytes()
    data = stream.read(limit + 1)
    if not data:
        raise UploadRejected(_("The file is empty."))
    if len(data) > limit:
        raise UploadRejected(
            _("The file is larger than %(mb)s MB.", mb=round(limit / 1024 / 1024, 1))
        )
    if not data.startswith(PDF_MAGIC):
        raise UploadRejected(_("Only PDF files are accepted: this file is not a PDF."))
    if used_bytes(organization_id) + len(data) > org_quota_bytes():
        raise UploadRejected(_("Your organization has used its storage quota for uploads."))
    storage_name = f"{secrets.token_hex(16)}.pdf"
    path = upload_dir() / storage_name
    write_durably(path, data)
    db.session.info.setdefault(_WRITTEN, []).append(path)
    attachment = Attachment(
        storage_name=storage_name,
        original_name=display_name(filename),
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by_id=getattr(uploader, "id", None),
        organization_id=organization_id,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def store_pdfs(files, uploader, organization_id: int | None) -> list[Attachment]:
    """Store every (stream, filename) or none: a rejected file removes the ones stored before it."""
    stored: list[Attachment] = []
    filename = None
    try:
        for stream, filename in files:
            stored.append(store_pdf(stream, filename, uploader, organization_id))
    except UploadRejected as exc:
        for attachment in stored:
            delete_file(attachment)
        refused = UploadRejected(_("%(name)s: %(reason)s", name=filename, reason=exc.message))
        refused.status_code = exc.status_code  # a full disk stays a 507, not a bad file
        raise refused from None
    return stored


def write_durably(path: Path, data: bytes) -> None:
    """Write and fsync a new file before the row that names it can commit; on any OS error
    (disk full, quota, I/O) remove what was written and raise StorageFailed."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        log.error("cannot create upload %s: %s", path.name, exc)
        raise StorageFailed.from_os_error(exc) from None
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view[:WRITE_CHUNK]) :]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        path.unlink(missing_ok=True)
        log.error("cannot write upload %s (%d bytes): %s", path.name, len(data), exc)
        raise StorageFailed.from_os_error(exc) from None


def file_path(attachment: Attachment) -> Path:
    return upload_dir() / attachment.storage_name


def send_attachment(attachment: Attachment):
    """Always a download (never rendered inline), with the type fixed by us."""
    response = send_file(
        file_path(attachment),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def delete_file(attachment: Attachment) -> None:
    """Remove the bytes after the row is gone (call once the transaction has committed)."""
    file_path(attachment).unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _keep_written_files(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_soft_rollback")
def _remove_written_files(session, previous_transaction):
    """A request that rolls back leaves no file behind that no row names."""
    if previous_transaction.parent is None:
        for path in session.info.pop(_WRITTEN, []):
            path.unlink(missing_ok=True)
