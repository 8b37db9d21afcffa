"""`flask opendata import-challenge-gov FILE` and `flask opendata export --output PATH`."""

from __future__ import annotations

import zipfile

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.matching.models import Embedding
from matchmaker.needs.models import Need
from tests.factories import make_need
from tests.opendata.conftest import CLOSED_FEED, OPEN_FEED


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def count_needs() -> int:
    return db.session.scalar(select(func.count(Need.id)))


def test_import_command_shows_progress_and_a_summary_and_encodes(runner, fake_encoders):
    result = runner.invoke(args=["opendata", "import-challenge-gov", str(OPEN_FEED)])
    assert result.exit_code == 0, result.output
    assert (
        "Imported feed-open.json: 29 created, 0 updated, 0 unchanged, 0 skipped." in result.stdout
    )
    assert "Importing" in result.stderr and "29/29" in result.stderr  # the tqdm bar
    assert count_needs() == 29
    encoded = db.session.scalars(select(Embedding.entity_id).where(Embedding.entity_type == "need"))
    assert len(set(encoded)) == 29  # matchable without waiting for a reindex

    again = runner.invoke(args=["opendata", "import-challenge-gov", str(OPEN_FEED)])
    assert "0 created, 0 updated, 29 unchanged, 0 skipped." in again.stdout
    closed = runner.invoke(args=["opendata", "import-challenge-gov", str(CLOSED_FEED)])
    assert "30 created" in closed.stdout
    assert count_needs() == 59


def test_import_command_refuses_a_bad_file_and_imports_nothing(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"_challenge": [', encoding="utf-8")
    result = runner.invoke(args=["opendata", "import-challenge-gov", str(bad)])
    assert result.exit_code == 1
    assert "The file is not valid JSON" in result.output
    assert count_needs() == 0
    missing = runner.invoke(args=["opendata", "import-challenge-gov", str(tmp_path / "none.json")])
    assert missing.exit_code == 2 and count_needs() == 0


def test_export_command_writes_the_zip(runner, tmp_path):
    make_need(title="Exported need")
    db.session.commit()
    target = tmp_path / "open-data.zip"
    result = runner.invoke(
        args=["opendata", "export", "--output", str(target), "--base-url", "https://mm.example"]
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        needs = archive.read("needs.csv").decode("utf-8-sig")
    assert {"needs.csv", "needs.json", "data-dictionary.csv", "README.md"} <= names
    assert "Exported need" in needs and "https://mm.example/needs/" in needs
