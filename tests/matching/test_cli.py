"""`matchmaker rank`: JSONL in, one JSON line per need out, clear errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from matchmaker.console import main
from tests.matching._encoders import cli_models  # noqa: F401 (session fixture)

DATA = Path(__file__).parent / "data"
NEEDS = str(DATA / "needs.jsonl")
SEEDS = str(DATA / "seeds.jsonl")
SCRIPT = str(Path(sys.executable).parent / "matchmaker")


def rank(capsys, *extra: str) -> tuple[int, list[dict], str]:
    code = main(["rank", "--needs", NEEDS, "--seeds", SEEDS, *extra])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines()], err


def run_script(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The installed console script in its own process, as a user runs it."""
    return subprocess.run(  # noqa: S603 (our own console script)
        [SCRIPT, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})},
        check=False,
    )


def write(path: Path, *lines: str) -> str:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return str(path)


@pytest.mark.usefixtures("cli_models")
class TestRanking:
    def test_one_line_per_need_with_scored_explained_matches(self, capsys):
        code, lines, err = rank(capsys, "--top", "3")
        assert code == 0
        assert [line["need_id"] for line in lines] == [
            "N-ja-elderly",
            "N-en-flood",
            "N-ja-childcare",
        ]
        for line in lines:
            assert len(line["matches"]) == 3
            scores = [m["score"] for m in line["matches"]]
            assert scores == sorted(scores, reverse=True)
            assert all(m["why"] and isinstance(m["why"], str) for m in line["matches"])
        assert "encoding" not in err  # stderr is no terminal: no progress bar

    def test_a_japanese_need_finds_its_english_seed_first(self, capsys):
        _, lines, _ = rank(capsys)
        by_need = {line["need_id"]: [m["seed_id"] for m in line["matches"]] for line in lines}
        assert by_need["N-ja-elderly"][0] == "S-en-fall"
        assert by_need["N-en-flood"][0] == "S-en-river"
        assert by_need["N-ja-childcare"][0] == "S-ja-nursery"
        assert len(by_need["N-en-flood"]) == 5  # fewer seeds than --top: all of them

    def test_the_explanation_names_the_best_matching_sentences(self, capsys):
        _, lines, _ = rank(capsys, "--top", "1")
        why = lines[1]["matches"][0]["why"]
        assert "river" in why
        assert "signals:" in why

    def test_swap_ranks_needs_for_each_seed(self, capsys):
        code, lines, _ = rank(capsys, "--swap", "--top", "2")
        assert code == 0
        assert [line["seed_id"] for line in lines][:2] == ["S-en-fall", "S-en-river"]
        assert all("need_id" in m and "seed_id" not in m for m in lines[0]["matches"])
        assert lines[0]["matches"][0]["need_id"] == "N-ja-elderly"
        assert lines[1]["matches"][0]["need_id"] == "N-en-flood"

    def test_no_explain_leaves_out_why(self, capsys):
        _, lines, _ = rank(capsys, "--no-explain", "--top", "2")
        assert all("why" not in m and "score" in m for line in lines for m in line["matches"])

    def test_filters_narrow_before_the_cut(self, capsys):
        _, lines, _ = rank(capsys, "--filter-min-trl", "8")
        assert {m["seed_id"] for line in lines for m in line["matches"]} == {
            "S-en-pay",
            "S-en-solar",
        }
        _, lines, _ = rank(capsys, "--filter-policy-area", "childcare", "--top", "5")
        assert [[m["seed_id"] for m in line["matches"]] for line in lines] == [["S-ja-nursery"]] * 3

    def test_progress_bar_on_request(self, capsys):
        code, lines, err = rank(capsys, "--progress", "--top", "1")
        assert code == 0 and len(lines) == 3
        assert "encoding" in err


class TestErrors:
    def test_malformed_line_names_file_and_line(self, tmp_path, capsys):
        needs = write(
            tmp_path / "needs.jsonl",
            '{"id": "n1", "title": "a", "description": "b"}',
            '{"id": "n2", "title": "broken',
        )
        assert main(["rank", "--needs", needs, "--seeds", SEEDS]) == 2
        err = capsys.readouterr().err
        assert f"{needs}:2:" in err
        assert "not valid JSON" in err

    def test_record_without_id(self, tmp_path, capsys):
        seeds = write(tmp_path / "seeds.jsonl", '{"title": "t", "description": "d"}')
        assert main(["rank", "--needs", NEEDS, "--seeds", seeds]) == 2
        assert f"{seeds}:1: record has no id" in capsys.readouterr().err

    def test_empty_corpus(self, tmp_path, capsys):
        seeds = write(tmp_path / "seeds.jsonl", "", "  ")
        assert main(["rank", "--needs", NEEDS, "--seeds", seeds]) == 2
        assert "no seeds" in capsys.readouterr().err

    def test_missing_file(self, tmp_path, capsys):
        missing = str(tmp_path / "nope.jsonl")
        assert main(["rank", "--needs", missing, "--seeds", SEEDS]) == 2
        assert f"{missing}: no such file" in capsys.readouterr().err

    def test_bad_filter_value(self, capsys):
        assert main(["rank", "--needs", NEEDS, "--seeds", SEEDS, "--filter-min-trl", "12"]) == 2
        assert "TRL" in capsys.readouterr().err

    def test_console_script_prints_one_line_and_no_traceback(self, tmp_path):
        needs = write(tmp_path / "needs.jsonl", "not json at all")
        result = run_script("rank", "--needs", needs, "--seeds", SEEDS)
        assert result.returncode == 2
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert result.stderr.strip() == (
            f"matchmaker: error: {needs}:1: not valid JSON (Expecting value)"
        )

    def test_missing_model_is_one_clear_error(self, tmp_path):
        config = json.loads((Path(__file__).parents[2] / "models/matching.json").read_text())
        config["encoders"]["semantic"]["source"] = str(tmp_path / "no-such-model")
        path = tmp_path / "matching.json"
        path.write_text(json.dumps(config), encoding="utf-8")
        result = run_script(
            "rank",
            "--needs",
            NEEDS,
            "--seeds",
            SEEDS,
            env={"MATCHMAKER_MATCHING_CONFIG": str(path)},
        )
        assert result.returncode == 2
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        assert "model unavailable: semantic encoder" in result.stderr
        assert "no-such-model" in result.stderr
