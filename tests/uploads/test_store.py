"""store_pdf and send_attachment: size, content type by magic bytes, quota, random names,
download-only headers."""

from __future__ import annotations

import io

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.uploads import services
from matchmaker.uploads.models import Attachment
from tests.factories import make_org, make_user

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def uploader():
    return make_user(Role.PROVIDER, org=make_org())


@pytest.fixture
def small_limits(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 1024)
    monkeypatch.setitem(app.config, "ORG_UPLOAD_QUOTA_BYTES", 2048)


def attachment_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Attachment))


def stored_files() -> set[str]:
    return {p.name for p in services.upload_dir().iterdir()}


def test_a_pdf_is_stored_under_a_random_name(uploader):
    before = stored_files()
    first = services.store_pdf(
        io.BytesIO(PDF), "../../etc/予算.pdf", uploader, uploader.organization_id
    )
    second = services.store_pdf(io.BytesIO(PDF), "予算.pdf", uploader, uploader.organization_id)
    assert first.storage_name != second.storage_name
    for a in (first, second):
        assert a.storage_name.endswith(".pdf") and len(a.storage_name) == 36
        assert "予算" not in a.storage_name and "/" not in a.storage_name
    assert first.original_name == "予算.pdf"  # no path survives
    assert first.size == len(PDF) and first.content_type == "application/pdf"
    assert first.uploaded_by_id == uploader.id and len(first.sha256) == 64
    assert services.file_path(first).read_bytes() == PDF
    assert stored_files() - before == {first.storage_name, second.storage_name}
    assert services.file_path(first).parent == services.upload_dir()


def test_the_upload_folder_is_outside_the_static_folder(app):
    from pathlib import Path

    with app.app_context():
        upload = services.upload_dir().resolve()
    assert Path(app.static_folder).resolve() not in upload.parents


@pytest.mark.parametrize(
    "body,name",
    [
        (b"<html><script>alert(1)</script></html>", "report.pdf"),  # named .pdf, is not one
        (b"PK\x03\x04 a zip file", "slides.pdf"),
        (b" %PDF-1.4 leading space", "x.pdf"),
    ],
)
def test_content_not_name_decides(uploader, body, name):
    with pytest.raises(services.UploadRejected, match="not a PDF") as info:
        services.store_pdf(io.BytesIO(body), name, uploader, uploader.organization_id)
    assert info.value.status_code == 422
    assert attachment_count() == 0


def test_a_pdf_with_another_extension_is_offered_as_pdf(uploader):
    stored = services.store_pdf(io.BytesIO(PDF), "scan.exe", uploader, uploader.organization_id)
    assert stored.original_name == "scan.exe.pdf" and stored.content_type == "application/pdf"


def test_empty_file_is_refused(uploader):
    with pytest.raises(services.UploadRejected, match="empty"):
        services.store_pdf(io.BytesIO(b""), "a.pdf", uploader, uploader.organization_id)


def test_too_large_is_refused(uploader, small_limits):
    exactly = PDF + b"0" * (1024 - len(PDF))
    services.store_pdf(io.BytesIO(exactly), "ok.pdf", uploader, uploader.organization_id)
    before = stored_files()
    with pytest.raises(services.UploadRejected, match="larger than"):
        services.store_pdf(io.BytesIO(exactly + b"0"), "big.pdf", uploader, None)
    assert attachment_count() == 1 and stored_files() == before


def test_quota_per_organization(uploader, small_limits):
    org = uploader.organization_id
    body = PDF + b"0" * (1000 - len(PDF))
    services.store_pdf(io.BytesIO(body), "1.pdf", uploader, org)
    services.store_pdf(io.BytesIO(body), "2.pdf", uploader, org)
    assert services.used_bytes(org) == 2000
    with pytest.raises(services.UploadRejected, match="quota"):
        services.store_pdf(io.BytesIO(body), "3.pdf", uploader, org)
    assert attachment_count() == 2
    other = make_user(Role.PROVIDER)  # another organization has its own quota
    services.store_pdf(io.BytesIO(body), "3.pdf", other, other.organization_id)
    assert attachment_count() == 3


def test_download_headers(app, uploader):
    stored = services.store_pdf(io.BytesIO(PDF), "計画書.pdf", uploader, uploader.organization_id)
    with app.test_request_context():
        response = services.send_attachment(stored)
        response.direct_passthrough = False
        body = response.get_data()
    assert body == PDF
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%A8%88%E7%94%BB%E6%9B%B8.pdf" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    assert "no-store" in response.headers["Cache-Control"]


def test_delete_file_removes_the_bytes(uploader):
    stored = services.store_pdf(io.BytesIO(PDF), "a.pdf", uploader, uploader.organization_id)
    path = services.file_path(stored)
    services.delete_file(stored)
    assert not path.exists()
    services.delete_file(stored)  # a second call is harmless
