"""A full disk (or any write error) on upload: a clear 507/503 message, no partial file, no
row, and the request's transaction rolled back; injected as OSError at the write or the fsync,
through the real proposal attachment form."""

from __future__ import annotations

import errno
import io
import os
import types

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.proposals.models import ProposalAttachment
from matchmaker.uploads import services
from matchmaker.uploads.models import Attachment
from tests.factories import make_org, make_user
from tests.proposals.helpers import make_call, make_proposal

PDF = b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n"
NO_ROOM = "The server has no room for this file right now; nothing was saved."


@pytest.fixture
def proposal(client, login_as):
    owner = make_user(Role.PROVIDER, org=make_org(OrgKind.STARTUP))
    proposal = make_proposal(make_call(make_org(OrgKind.DEPARTMENT)), owner)
    login_as(user=owner)
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    return proposal


def failing_os(monkeypatch, error: int, *, at: str = "write", after_bytes: int = 64):
    """The upload service's `os`, whose writes fail once `after_bytes` went to disk."""
    written = {"n": 0}

    def write(fd, data):
        if at == "write" and written["n"] >= after_bytes:
            raise OSError(error, os.strerror(error))
        n = os.write(fd, bytes(data[: max(1, after_bytes - written["n"])]))
        written["n"] += n
        return n

    def fsync(fd):
        if at == "fsync":
            raise OSError(error, os.strerror(error))
        os.fsync(fd)

    fake = types.SimpleNamespace(**{k: getattr(os, k) for k in dir(os) if not k.startswith("__")})
    fake.write, fake.fsync = write, fsync
    monkeypatch.setattr(services, "os", fake)
    monkeypatch.setattr(services, "WRITE_CHUNK", 16)  # so a partial file exists when it fails
    return written


def upload(client, proposal, *names):
    payload = {"files": [(io.BytesIO(PDF), name) for name in names]}
    return client.post(
        f"/proposals/{proposal.id}/attachments", data=payload, content_type="multipart/form-data"
    )


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def files(app) -> set[str]:
    with app.app_context():
        return {p.name for p in services.upload_dir().iterdir()}


@pytest.mark.parametrize(
    ("error", "at", "status", "message"),
    [
        (errno.ENOSPC, "write", 507, NO_ROOM),
        (errno.EDQUOT, "write", 507, NO_ROOM),
        (errno.ENOSPC, "fsync", 507, NO_ROOM),
        (errno.EIO, "write", 503, "The server could not store this file right now"),
    ],
)
def test_a_write_error_is_a_clear_message_and_stores_nothing(
    app, client, proposal, monkeypatch, error, at, status, message
):
    before = files(app)
    version = proposal.version
    written = failing_os(monkeypatch, error, at=at)
    response = upload(client, proposal, "plan.pdf")
    page = response.get_data(as_text=True)
    assert written["n"] > 0  # bytes had reached the disk before the error
    assert response.status_code == status
    assert message in page and "Try again later or contact the coordinators" in page
    assert "Traceback" not in page and "Errno" not in page
    assert count(Attachment) == 0 and count(ProposalAttachment) == 0
    added = db.select(AuditEvent).where(AuditEvent.action == "proposal_attachment_add")
    assert db.session.scalars(added).all() == []
    assert files(app) == before  # the partial file was removed
    db.session.refresh(proposal)
    assert proposal.version == version


def test_a_full_disk_on_the_second_file_removes_the_first(app, client, proposal, monkeypatch):
    before = files(app)
    failing_os(monkeypatch, errno.ENOSPC, after_bytes=len(PDF) + 10)
    response = upload(client, proposal, "one.pdf", "two.pdf")
    assert response.status_code == 507
    assert "two.pdf" in response.get_data(as_text=True)
    assert count(Attachment) == 0 and count(ProposalAttachment) == 0
    assert files(app) == before


def test_the_next_upload_works_once_there_is_room(app, client, proposal, monkeypatch):
    failing_os(monkeypatch, errno.ENOSPC)
    assert upload(client, proposal, "plan.pdf").status_code == 507
    monkeypatch.undo()
    assert upload(client, proposal, "plan.pdf").status_code == 302
    (item,) = db.session.scalars(db.select(ProposalAttachment)).all()
    with app.app_context():
        assert services.file_path(item.attachment).read_bytes() == PDF


def test_a_stored_file_goes_when_its_transaction_rolls_back(app, proposal):
    with app.test_request_context():
        attachment = services.store_pdf(io.BytesIO(PDF), "plan.pdf", None, None)
        path = services.file_path(attachment)
        assert path.read_bytes() == PDF
        db.session.rollback()
        assert not path.exists()
