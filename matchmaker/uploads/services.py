"""Store PDFs safely and hand them back only as downloads."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from pathlib import Path

from flask import current_app, send_file
from flask_babel import gettext as _
from sqlalchemy import func, select

from matchmaker.common.errors import DomainError
from matchmaker.extensions import db
from matchmaker.uploads.models import Attachment

PDF_MAGIC = b"%PDF-"
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
DEFAULT_ORG_QUOTA_BYTES = 200 * 1024 * 1024


class UploadRejected(DomainError):
    """The file is not a PDF, is too big, or would exceed the organization's quota."""

    status_code = 422


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
    path.write_bytes(data)
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
        raise UploadRejected(_("%(name)s: %(reason)s", name=filename, reason=exc.message)) from None
    return stored


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
