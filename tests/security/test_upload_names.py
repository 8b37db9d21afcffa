"""Path traversal in uploaded file names: stored under a random name in the upload folder only,
shown and offered for download under a cleaned name."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.proposals.models import ProposalAttachment
from matchmaker.uploads.models import Attachment
from tests.security import strategies as hs
from tests.security.helpers import given_settings
from tests.security.report import REPORT
from tests.security.uploading import CATEGORY, PDF, tree, upload

STORAGE_NAME = re.compile(r"[0-9a-f]{32}\.pdf")
TRAVERSAL_NAMES = (
    "../../etc/passwd.pdf",
    "..\\..\\win.ini",
    "../../../../../../tmp/mm-security-escape.pdf",
    "/tmp/mm-security-absolute.pdf",  # noqa: S108 (a path an attacker names)
    "C:\\Windows\\System32\\mm-security.pdf",
    "a\x00b.pdf",
    "invoice\u202efdp.exe",
    "x" * 600 + ".pdf",
    "\r\nContent-Type: text/html\r\n\r\n<script>.pdf",
    "\"; filename*=UTF-8''evil.html",
    "..",
    "",
    "CON.pdf",
    "~/.ssh/authorized_keys.pdf",
)


def attachments_of(proposal) -> list[Attachment]:
    stmt = (
        select(Attachment)
        .join(ProposalAttachment)
        .where(ProposalAttachment.proposal_id == proposal.id)
    )
    return list(db.session.scalars(stmt))


def check_stored_safely(client, proposal, uploads_dir: Path, root: Path, name: str) -> None:
    """Stored under a random name in the upload folder; the shown name holds no path."""
    files_before = tree(root)
    for item in list(proposal.attachments):
        db.session.delete(item)
    db.session.flush()
    response = upload(client, proposal, [(name, PDF)])
    assert response.status_code in (302, 400, 422), response.status_code
    new = tree(root) - files_before
    outside = {f for f in new if Path(root / f).parent != uploads_dir}
    if outside:
        REPORT.add(CATEGORY, "files_outside")
    assert not outside, outside
    for path in TRAVERSAL_NAMES[2:4]:  # outside tmp_path altogether
        assert not os.path.exists("/" + path.lstrip("./"))
    if response.status_code != 302:  # no name is "no file"; CR/LF break the multipart body
        REPORT.add(CATEGORY, "refused")
        assert not new and not attachments_of(proposal)
        return
    REPORT.add(CATEGORY, "accepted")
    (attachment,) = attachments_of(proposal)
    assert STORAGE_NAME.fullmatch(attachment.storage_name)
    assert {Path(root / f).name for f in new} == {attachment.storage_name}
    shown = attachment.original_name
    assert "/" not in shown and "\\" not in shown and shown.endswith(".pdf")
    assert not any(unicodedata.category(c).startswith("C") for c in shown), shown
    assert len(shown) <= 255
    item = proposal.attachments[0]
    download = client.get(f"/proposals/{proposal.id}/attachments/{item.id}")
    REPORT.response(CATEGORY, download.status_code)
    assert download.status_code == 200
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("name", TRAVERSAL_NAMES, ids=range(len(TRAVERSAL_NAMES)))
def test_traversal_file_names(client, draft, uploads, tmp_path, name):
    check_stored_safely(client, draft, uploads, tmp_path, name)


def test_generated_file_names(client, draft, uploads, tmp_path):
    parts = st.one_of(
        st.sampled_from(["..", "/", "\\", "\x00", "\u202e", "%2e%2e", "C:", "~", ".pdf", "\r\n"]),
        st.text(hs.any_char, max_size=12),
    )

    @given(name=st.lists(parts, min_size=1, max_size=8).map("".join))
    @given_settings
    def check(name):
        check_stored_safely(client, draft, uploads, tmp_path, name)

    check()
