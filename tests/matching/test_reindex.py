"""`flask match reindex` and `flask match status`: incremental, forced, and with a missing model."""

from __future__ import annotations

import json

import pytest

from matchmaker.extensions import db
from matchmaker.matching.config import DEFAULT_PATH
from matchmaker.matching.store import current_revision
from matchmaker.seeds.models import SeedStatus
from tests.matching.conftest import add_need, add_seed, sentence_count


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def records():
    seeds = [add_seed(key) for key in ("fall_en", "flood_ja", "bus_en")]
    needs = [add_need(key) for key in ("watch_ja", "flood_en")]
    add_seed("pay_en", status=SeedStatus.DRAFT)  # drafts are not encoded
    return seeds, needs


def reindex(runner, *args) -> str:
    result = runner.invoke(args=["match", "reindex", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_reindex_encodes_only_what_changed(runner, records, counting):
    seeds, needs = records
    models = len(counting.encoders)
    output = reindex(runner)
    assert "Encoding" in output
    assert "Encoded 5 records, skipped 0 unchanged" in output
    assert "sentence vectors of 5 records" in output
    assert counting.total() == 5 * models + sentence_count(*seeds, *needs)
    revision = current_revision(db.session)[0]

    counting.reset()
    assert "Encoded 0 records, skipped 5 unchanged" in reindex(runner)
    assert counting.total() == 0
    assert current_revision(db.session)[0] == revision  # nothing for other processes to load

    seeds[1].summary = "河川の水位センサーで洪水を予測し、住民に知らせます。"
    db.session.flush()
    assert "Encoded 1 records, skipped 4 unchanged" in reindex(runner)
    assert counting.total() == models + sentence_count(seeds[1])
    assert set(counting.encoders["semantic"].texts) == {seeds[1].title + ". " + seeds[1].summary}


def test_reindex_force_encodes_everything_again(runner, records, counting):
    seeds, needs = records
    reindex(runner)
    counting.reset()
    assert "Encoded 5 records, skipped 0 unchanged" in reindex(runner, "--force")
    assert counting.total() == 5 * len(counting.encoders) + sentence_count(*seeds, *needs)


def test_status_reports_what_is_up_to_date(runner, records, counting):
    result = runner.invoke(args=["match", "status"])
    assert result.exit_code == 0, result.output
    assert "Published seeds: 3, up to date 0, to encode 3" in result.output
    reindex(runner)
    result = runner.invoke(args=["match", "status"])
    assert "Published seeds: 3, up to date 3, to encode 0" in result.output
    assert "Published needs: 2, up to date 2, to encode 0" in result.output
    assert "all-MiniLM-L6-v2" in result.output


def test_a_missing_model_is_one_clear_error(app, runner, records, tmp_path, monkeypatch):
    config = json.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    config["encoders"]["semantic"]["source"] = str(tmp_path / "gone")
    path = tmp_path / "matching.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.setitem(app.config, "MATCHMAKER_MATCHING_CONFIG", str(path))
    result = runner.invoke(args=["match", "reindex"])
    assert result.exit_code == 1
    assert "Matching is unavailable: model directory" in result.output
    assert "Traceback" not in result.output
    status = runner.invoke(args=["match", "status"])
    assert status.exit_code == 0 and "gone does not exist" in status.output
