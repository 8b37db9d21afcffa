"""The open-data zip: CSV and JSON of every public dataset plus a data dictionary."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import force_locale

from matchmaker.db import utcnow
from matchmaker.opendata.challenge_gov import challenge_for_need, feed_document
from matchmaker.opendata.datasets import DATASETS, Dataset, public_needs

ENDPOINTS = {
    "need": ("needs.show_need", "need_id"),
    "seed": ("seeds.show_seed", "seed_id"),
    "call": ("calls.show_call", "call_id"),
    "result": ("results.show_result", "project_id"),
}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DICTIONARY_COLUMNS = ("file", "column", "type", "description")
LICENSE = "CC BY 4.0 (Creative Commons Attribution 4.0 International)"


def site_url(base_url: str, endpoint: str, **values) -> str:
    """A page address without a request (the command line): the url_map path on base_url."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base_url or "").rstrip("/") + path


def linker(base_url: str):
    def link(kind: str, object_id: int) -> str:
        endpoint, arg = ENDPOINTS[kind]
        return site_url(base_url, endpoint, **{arg: object_id})

    return link


def json_value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def csv_value(value) -> str:
    """Lists joined by "; "; text that a spreadsheet would run as a formula gets a quote."""
    value = json_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def dataset_rows(dataset: Dataset, link) -> list[dict]:
    return [
        {col.name: json_value(col.get(obj, link)) for col in dataset.columns}
        for obj in dataset.rows()
    ]


def _csv(dataset: Dataset, rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([col.name for col in dataset.columns])
    for row in rows:
        writer.writerow([csv_value(row[col.name]) for col in dataset.columns])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheets detect UTF-8


def dictionary_rows() -> list[tuple[str, str, str, str]]:
    return [
        (f"{d.name}.csv / {d.name}.json", col.name, col.type, col.description)
        for d in DATASETS
        for col in d.columns
    ]


def _dictionary_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(DICTIONARY_COLUMNS)
    writer.writerows(dictionary_rows())
    return out.getvalue().encode("utf-8-sig")


def _readme(counts: dict[str, int], generated: str) -> str:
    lines = [
        "# Matchmaker open data",
        "",
        f"Generated {generated}. Licence: {LICENSE}.",
        "",
        "Every public record of the platform, once as CSV (UTF-8 with BOM, comma-separated,",
        'lists joined by "; ", text starting with = + - @ prefixed by an apostrophe so',
        "spreadsheets do not run it) and once as JSON (UTF-8, one array of objects per file,",
        "exact values). Times are UTC in ISO 8601. Drafts, reviews, scores, proposals,",
        "private notes and account data are never included.",
        "",
        "## Files",
        "",
    ]
    for d in DATASETS:
        lines.append(f"- {d.name}.csv, {d.name}.json: {d.description} ({counts[d.name]} rows)")
    lines += [
        "- challenge-gov.json: the published needs in Challenge.gov's JSON Feed format.",
        "- data-dictionary.csv: every column of every file, its type and meaning.",
        "",
        "## Columns",
        "",
    ]
    for d in DATASETS:
        lines.append(f"### {d.name}")
        lines += [f"- {col.name} ({col.type}): {col.description}" for col in d.columns]
        lines.append("")
    return "\n".join(lines)


def challenge_gov_feed(base_url: str) -> dict:
    """Published and closed needs as a Challenge.gov JSON Feed."""
    link = linker(base_url)
    entries = [challenge_for_need(n, link("need", n.id)) for n in public_needs()]
    return feed_document(
        entries,
        site_url(base_url, "main.index"),
        site_url(base_url, "opendata.challenge_gov"),
    )


def build_export(base_url: str = "") -> bytes:
    """The whole zip in memory (public data is small); in English whatever the reader's locale."""
    link = linker(base_url)
    generated = utcnow().replace(microsecond=0).isoformat().replace("+00:00", "Z")
    buffer = io.BytesIO()
    with force_locale("en"), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        counts = {}
        for dataset in DATASETS:
            rows = dataset_rows(dataset, link)
            counts[dataset.name] = len(rows)
            archive.writestr(f"{dataset.name}.csv", _csv(dataset, rows))
            text = json.dumps(rows, ensure_ascii=False, indent=1)
            archive.writestr(f"{dataset.name}.json", text.encode())
        feed = challenge_gov_feed(base_url)
        archive.writestr("challenge-gov.json", json.dumps(feed, ensure_ascii=False, indent=1))
        archive.writestr("data-dictionary.csv", _dictionary_csv())
        archive.writestr("README.md", _readme(counts, generated))
    return buffer.getvalue()
