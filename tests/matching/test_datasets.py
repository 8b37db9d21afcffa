"""Reading the shared JSONL format: extras allowed, every problem named with file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from matchmaker.matching.datasets import DatasetError, read_docs, read_qrels, swap_qrels

DATA = Path(__file__).parent / "data"


def write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_reads_records_with_extra_keys_and_guesses_the_language():
    docs = {d.id: d for d in read_docs(DATA / "seeds.jsonl")}
    assert len(docs) == 5
    fall = docs["S-en-fall"]
    assert fall.title == "Fall detection for elderly people living alone"
    assert fall.text.startswith("Fall detection for elderly people living alone. A radar sensor")
    assert (fall.language, fall.trl, fall.policy_areas) == ("en", 7, ["elderly_care", "health"])
    assert docs["S-ja-nursery"].language == "ja"
    assert docs["S-en-pay"].ready_for_pilot is True


def test_blank_lines_are_skipped_and_limit_keeps_the_first(tmp_path):
    path = write(
        tmp_path / "n.jsonl",
        '{"id": 1, "title": "one", "description": "first"}',
        "",
        '{"id": 2, "title": "two", "description": ""}',
        '{"id": 3, "description": "no title"}',
    )
    assert [d.id for d in read_docs(path)] == [1, 2, 3]
    assert [d.id for d in read_docs(path, limit=2)] == [1, 2]


def test_gzip_files_are_read(tmp_path):
    path = tmp_path / "s.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write('{"id": "a", "title": "", "description": "compressed"}\n')
    assert [d.body for d in read_docs(path)] == ["compressed"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "x", "title": "unterminated', "not valid JSON"),
        ('["a", "list"]', "expected a JSON object"),
        ('{"title": "no id", "description": "d"}', "record has no id"),
        ('{"id": "", "title": "empty id"}', "record has no id"),
        ('{"id": {"nested": 1}, "title": "t"}', "id must be a string or an integer"),
        ('{"id": "a", "title": ["not", "text"]}', "title must be a string"),
        ('{"id": "n1", "title": "duplicate"}', "duplicate id 'n1'"),
    ],
)
def test_a_bad_line_is_named_with_its_number(tmp_path, line, reason):
    path = write(tmp_path / "n.jsonl", '{"id": "n1", "title": "ok", "description": "fine"}', line)
    with pytest.raises(DatasetError) as caught:
        read_docs(path)
    assert str(caught.value).startswith(f"{path}:2: ")
    assert reason in str(caught.value)


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(DatasetError, match="no such file"):
        read_docs(tmp_path / "absent.jsonl")
    binary = tmp_path / "binary.jsonl"
    binary.write_bytes(b'{"id": "\xff\xfe"}\n')
    with pytest.raises(DatasetError, match="cannot be read"):
        read_docs(binary)


def test_qrels_group_by_need_and_swap(tmp_path):
    path = write(
        tmp_path / "q.jsonl",
        '{"need_id": "n1", "seed_id": "s1"}',
        '{"need_id": "n1", "seed_id": "s2"}',
        '{"need_id": "n2", "seed_id": "s1"}',
    )
    qrels = read_qrels(path)
    assert qrels == {"n1": {"s1", "s2"}, "n2": {"s1"}}
    assert swap_qrels(qrels) == {"s1": {"n1", "n2"}, "s2": {"n1"}}
    write(tmp_path / "bad.jsonl", '{"need_id": "n1"}')
    with pytest.raises(DatasetError, match=r"bad.jsonl:1: .*need_id and seed_id"):
        read_qrels(tmp_path / "bad.jsonl")
