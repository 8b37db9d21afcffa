"""Shared by the upload tests: a valid PDF, the file tree, a multipart upload."""

from __future__ import annotations

import io
from pathlib import Path

from tests.security.report import REPORT

CATEGORY = "Uploads"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def tree(root: Path) -> set[str]:
    """Every file under `root`, relative, so a write anywhere in it shows."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def upload(client, proposal, files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    response = client.post(
        f"/proposals/{proposal.id}/attachments", data=data, content_type="multipart/form-data"
    )
    REPORT.add(CATEGORY, "examples")
    REPORT.response(CATEGORY, response.status_code)
    return response
