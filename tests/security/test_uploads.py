"""Malformed and oversized uploads: HTML disguised as PDF, a PDF/HTML polyglot, zip and gzip
bombs, files above the limits, a declared 2 GB body, hostile feed files."""

from __future__ import annotations

import gzip
import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallDocument
from matchmaker.extensions import db
from tests.api.helpers import bearer, token_for
from tests.factories import make_need
from tests.security.helpers import changed_tables, count, fingerprint
from tests.security.report import REPORT
from tests.security.uploading import CATEGORY, PDF, tree, upload

POLYGLOT = b"%PDF-1.4\n<html><script>alert(document.cookie)</script></html>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def expect_refused(client, proposal, files, root: Path, statuses=(422,)):
    before, files_before = fingerprint(), tree(root)
    response = upload(client, proposal, files)
    REPORT.add(CATEGORY, "refused" if response.status_code >= 400 else "accepted")
    assert response.status_code in statuses, response.status_code
    changed = changed_tables(before, fingerprint())
    if changed:
        REPORT.add(CATEGORY, "stored_after_refusal")
    assert not changed, changed
    outside = tree(root) - files_before
    if outside:
        REPORT.add(CATEGORY, "files_outside")
    assert not outside, outside  # nothing written, in the upload folder or anywhere else
    return response


def zip_bomb() -> bytes:
    """A zip of 200 MB of zeros that weighs about 200 kB."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("report.pdf", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1 << 20)
        for _ in range(200):
            member.write(chunk)
    return buffer.getvalue()


def gzip_bomb(megabytes: int = 1024) -> bytes:
    """1 GB of zeros as repeated gzip members of 16 MB each: about 1 MB on the wire."""
    member = gzip.compress(bytes(16 << 20), compresslevel=9)
    return member * (megabytes // 16)


def test_html_named_pdf_is_refused(client, draft, uploads, tmp_path):
    for name, content in (("report.pdf", HTML), ("report.pdf", b" %PDF-1.4 late magic")):
        response = expect_refused(client, draft, [(name, content)], tmp_path)
        assert b"not a PDF" in response.data


def test_zip_bomb_named_pdf_is_refused_without_inflating(client, draft, uploads, tmp_path):
    bomb = zip_bomb()
    assert len(bomb) < 2 << 20
    tracemalloc.start()
    try:
        expect_refused(client, draft, [("report.pdf", bomb)], tmp_path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, f"{peak} bytes: the archive was inflated"


def test_oversized_file_is_refused(app, client, draft, uploads, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 64 * 1024)
    big = PDF + b"0" * (64 * 1024)
    response = expect_refused(client, draft, [("big.pdf", big)], tmp_path)
    assert b"larger than" in response.data


def test_request_above_max_content_length_is_413(
    app, client, draft, uploads, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 256 * 1024)
    big = PDF + b"0" * (300 * 1024)
    expect_refused(client, draft, [("big.pdf", big)], tmp_path, statuses=(413,))


def test_too_many_parts_is_413(client, draft, uploads, tmp_path):
    files = [(f"f{i}.pdf", PDF) for i in range(250)]  # MAX_FORM_PARTS is 200
    expect_refused(client, draft, files, tmp_path, statuses=(413,))


def test_one_bad_file_stores_none(client, draft, uploads, tmp_path):
    files = [("good.pdf", PDF), ("second.pdf", PDF), ("bad.pdf", HTML)]
    expect_refused(client, draft, files, tmp_path)


@pytest.mark.parametrize("url", ["/login", "/api/v1/needs", "/proposals/1/attachments"])
def test_declared_two_gigabytes_is_refused_unread(client, login_as, url):
    """The size in Content-Length is refused before any of the body is read."""
    headers = {}
    if url.startswith("/api/"):
        headers = bearer(token_for(login_as(Role.DEPARTMENT)))
    else:
        login_as(Role.PROVIDER)

    class Body(io.BytesIO):
        read_bytes = 0

        def read(self, *args):
            data = super().read(*args)
            Body.read_bytes += len(data)
            return data

    body = Body(b'{"title": "x"}')
    started = time.perf_counter()
    response = client.post(
        url,
        input_stream=body,
        content_type="application/json" if url.startswith("/api/") else "multipart/form-data",
        headers=headers,
        environ_overrides={"CONTENT_LENGTH": "2147483648"},
    )
    elapsed = time.perf_counter() - started
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "refused")
    assert response.status_code == 413, response.status_code
    assert Body.read_bytes == 0
    assert elapsed < 2


def test_gzip_request_body_is_not_inflated(client, login_as):
    """Content-Encoding: gzip is not decoded by the app: a 1 GB bomb stays 1 MB of bytes."""
    token = token_for(login_as(Role.DEPARTMENT))
    bomb = gzip_bomb()
    before = fingerprint()
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = client.post(
            "/api/v1/needs",
            data=bomb,
            headers={**bearer(token), "Content-Encoding": "gzip"},
            content_type="application/json",
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "refused")
    assert 400 <= response.status_code < 500, response.status_code
    assert peak < 128 << 20, f"{peak} bytes: the body was inflated"
    assert time.perf_counter() - started < 10
    assert changed_tables(before, fingerprint()) == []


def test_polyglot_is_only_ever_a_download(client, login_as, uploads):
    """A file that starts with %PDF- but holds HTML is accepted as a PDF, and served only as an
    attachment with the type fixed to application/pdf and sniffing off."""
    user = login_as(Role.DEPARTMENT)
    from tests.calls.conftest import make_call as make_open_call

    call = make_open_call(need=make_need(org=user.organization))
    data = {"title": "<script>alert(1)</script>", "file": (io.BytesIO(POLYGLOT), "x.html")}
    response = client.post(
        f"/calls/{call.id}/documents", data=data, content_type="multipart/form-data"
    )
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    REPORT.add(CATEGORY, "accepted")
    assert response.status_code == 302, response.status_code
    document = db.session.scalars(select(CallDocument).where(CallDocument.call_id == call.id)).one()
    assert document.attachment.original_name == "x.html.pdf"
    download = client.get(f"/calls/{call.id}/documents/{document.id}")
    REPORT.response(CATEGORY, download.status_code)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in download.headers["Content-Security-Policy"]
    assert download.data == POLYGLOT
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


FEEDS = [
    b"[" * 200_000 + b"]" * 200_000,
    b"\xff\xfe not utf-8",
    b"<html><script>alert(1)</script></html>",
    json.dumps({"_challenge": "not a list"}).encode(),
    json.dumps({"_challenge": [{"challenge-id": {"x": 1}, "challenge-title": ["t"]}]}).encode(),
]


@pytest.mark.parametrize("raw", FEEDS, ids=range(len(FEEDS)))
def test_hostile_feed_import(client, login_as, raw):
    login_as(Role.ADMIN)
    before = fingerprint()
    data = {"feed": (io.BytesIO(raw), "feed.json")}
    response = client.post("/opendata/import", data=data, content_type="multipart/form-data")
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    assert response.status_code < 500
    if response.status_code == 302:
        REPORT.add(CATEGORY, "accepted")
        return
    REPORT.add(CATEGORY, "refused")
    assert changed_tables(before, fingerprint()) == []


def test_feed_with_markup_is_stored_as_text(client, login_as):
    login_as(Role.ADMIN)
    entry = {
        "challenge-id": "mm-security-1",
        "challenge-title": "<script>alert(1)</script> Flood sensors",
        "tagline": '"><img src=x onerror=alert(1)>',
        "description": "<p>Use <b>sensors</b><script>alert(2)</script><iframe src=x></iframe></p>",
        "challenge_status": "open",
        "agency": "EPA",
        "permalink": "javascript:alert(1)",
    }
    raw = json.dumps({"_challenge": [entry]}).encode()
    needs_before = count_needs()
    response = client.post(
        "/opendata/import",
        data={"feed": (io.BytesIO(raw), "feed.json")},
        content_type="multipart/form-data",
    )
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    assert response.status_code in (200, 302)
    REPORT.add(CATEGORY, "accepted" if count_needs() > needs_before else "refused")
    from matchmaker.needs.models import Need

    for need in db.session.scalars(select(Need).order_by(Need.id.desc()).limit(1)):
        page = client.get(f"/needs/{need.id}").get_data(as_text=True)
        for payload in ("<script>alert", "<img src=x", "<iframe", 'href="javascript:'):
            assert payload not in page


def count_needs() -> int:
    from matchmaker.needs.models import Need

    return count(Need)


def test_declared_two_gigabytes_over_a_real_socket(app):
    """The same against a real HTTP server on loopback: 413 at once, the body never awaited."""
    import socket
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        request = (
            b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 2147483648\r\n\r\nemail=a"
        )
        started = time.perf_counter()
        with socket.create_connection(server.server_address, timeout=5) as sock:
            sock.sendall(request)
            status_line = sock.recv(1024).split(b"\r\n", 1)[0]
        elapsed = time.perf_counter() - started
    finally:
        server.shutdown()
        thread.join(5)
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, int(status_line.split()[1]))
    REPORT.add(CATEGORY, "refused")
    assert status_line.split()[1] == b"413", status_line
    assert elapsed < 3
