"""Reading the shared JSONL format (needs, seeds, qrels), with errors that name file and line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from matchmaker.matching.documents import Doc, doc_from_record


class DatasetError(ValueError):
    """A data file cannot be used; the message says which file, which line and why."""


def _open(path: Path):
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def iter_records(path: str | Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-blank line; a bad line raises DatasetError."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    try:
        with _open(path) as f:
            for number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
                if not isinstance(record, dict):
                    raise DatasetError(f"{path}:{number}: expected a JSON object")
                yield number, record
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise DatasetError(f"{path}: cannot be read ({exc})") from None


def read_docs(path: str | Path, limit: int | None = None) -> list[Doc]:
    """Documents of a needs or seeds file: every line needs an id, ids must be unique."""
    docs: list[Doc] = []
    seen: set = set()
    for number, record in iter_records(path):
        doc_id = record.get("id")
        if doc_id is None or doc_id == "":
            raise DatasetError(f"{path}:{number}: record has no id")
        if not isinstance(doc_id, str | int) or isinstance(doc_id, bool):
            raise DatasetError(f"{path}:{number}: id must be a string or an integer")
        if doc_id in seen:
            raise DatasetError(f"{path}:{number}: duplicate id {doc_id!r}")
        for key in ("title", "description"):
            if record.get(key) is not None and not isinstance(record[key], str):
                raise DatasetError(f"{path}:{number}: {key} must be a string")
        seen.add(doc_id)
        try:
            docs.append(doc_from_record(record))
        except (TypeError, ValueError) as exc:
            raise DatasetError(f"{path}:{number}: {exc}") from None
        if limit is not None and len(docs) >= limit:
            break
    return docs


def read_qrels(path: str | Path) -> dict[object, set]:
    """Known pairings, need id -> seed ids (for measuring only, never for ranking)."""
    qrels: dict[object, set] = {}
    for number, record in iter_records(path):
        if "need_id" not in record or "seed_id" not in record:
            raise DatasetError(f"{path}:{number}: a pairing needs need_id and seed_id")
        qrels.setdefault(record["need_id"], set()).add(record["seed_id"])
    return qrels


def swap_qrels(qrels: dict[object, set]) -> dict[object, set]:
    """Seed id -> need ids, for ranking needs per seed."""
    swapped: dict[object, set] = {}
    for need_id, seed_ids in qrels.items():
        for seed_id in seed_ids:
            swapped.setdefault(seed_id, set()).add(need_id)
    return swapped
