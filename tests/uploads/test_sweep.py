"""`flask uploads sweep`: orphan files are listed, deleted only with --yes and only when old."""

from __future__ import annotations

import io
import os
import time

import pytest

from matchmaker.accounts.models import Role
from matchmaker.uploads import services
from tests.factories import make_org, make_user

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
TWO_HOURS = 2 * 3600


@pytest.fixture
def folder(app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    return tmp_path


def write(folder, name: str, age_s: int = 0) -> os.PathLike:
    path = folder / name
    path.write_bytes(PDF)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def sweep(app, *args):
    return app.test_cli_runner().invoke(args=["uploads", "sweep", *args])


def test_only_old_files_without_a_row_are_orphans(app, folder):
    uploader = make_user(Role.PROVIDER, org=make_org())
    kept = services.store_pdf(io.BytesIO(PDF), "plan.pdf", uploader, uploader.organization_id)
    os.utime(folder / kept.storage_name, (time.time() - TWO_HOURS,) * 2)
    orphan = write(folder, "a" * 32 + ".pdf", age_s=TWO_HOURS)
    in_flight = write(folder, "b" * 32 + ".pdf")  # its request may still commit
    foreign = write(folder, "notes.txt", age_s=TWO_HOURS)  # not a name store_pdf writes

    listed = sweep(app)
    assert listed.exit_code == 0, listed.output
    assert f"orphan: {orphan.name}" in listed.output
    assert "4 files checked" not in listed.output and "3 files checked" in listed.output
    assert "1 orphan files" in listed.output and orphan.exists()  # listing deletes nothing

    removed = sweep(app, "--yes")
    assert removed.exit_code == 0, removed.output
    assert "1 orphan files (0.0 MB) removed" in removed.output
    assert not orphan.exists()
    assert in_flight.exists() and foreign.exists() and (folder / kept.storage_name).exists()


def test_a_row_without_its_file_is_reported(app, folder):
    uploader = make_user(Role.PROVIDER, org=make_org())
    lost = services.store_pdf(io.BytesIO(PDF), "plan.pdf", uploader, uploader.organization_id)
    (folder / lost.storage_name).unlink()
    result = sweep(app, "--yes")
    assert result.exit_code == 1
    assert f"missing file for attachment {lost.storage_name}" in result.output


def test_the_grace_period_is_an_option(app, folder):
    orphan = write(folder, "c" * 32 + ".pdf", age_s=TWO_HOURS)
    assert sweep(app, "--yes", "--older-than", "3").exit_code == 0
    assert orphan.exists()
    assert sweep(app, "--older-than", "0").exit_code == 2  # at least one hour
    assert sweep(app, "--yes", "--older-than", "1").exit_code == 0
    assert not orphan.exists()
