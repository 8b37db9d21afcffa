"""Real bilingual texts from the shared data sets, to be repeated to the sizes of the load run."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from matchmaker.config import ROOT
from matchmaker.matching.datasets import DatasetError, iter_records
from matchmaker.matching.documents import SENTENCE_END
from matchmaker.opendata.html_text import clip

# what each file gives the run; the English seeds come from the first of SEEDS_EN found
REQUIRED = {
    "sbir/needs.jsonl": "English needs (SBIR topics)",
    "jsquad-ja/needs.jsonl": "Japanese need titles (JSQuAD questions)",
    "jsquad-ja/seeds.jsonl": "Japanese needs and seeds (JSQuAD Wikipedia paragraphs)",
}
SEEDS_EN = ("sbir/seeds-all.jsonl.gz", "sbir/seeds.jsonl")
CHALLENGE_FEEDS = ("challenge-gov/feed-open.json", "challenge-gov/feed-closed.json")
BODY_LIMIT = 6000  # long Challenge.gov pages are cut, as a department would summarise them


class DataMissing(RuntimeError):
    """The shared data the load run builds its records from is not where it looks."""


@dataclass(frozen=True)
class BaseText:
    """One real text, split the way a record holds it."""

    language: str
    title: str
    summary: str
    body: str


@dataclass
class Corpus:
    needs: dict[str, list[BaseText]] = field(default_factory=dict)  # by language
    seeds: dict[str, list[BaseText]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)  # one line per file used, for the report


def data_directory(option: str | None) -> Path:
    return Path(option or os.environ.get("MATCHMAKER_BENCH_DATA") or ROOT.parent / "shared/data")


def split_lead(text: str, limit: int) -> tuple[str, str]:
    """(first sentence, cut to `limit`, the rest): a summary and a body from one text."""
    text = text.strip()
    found = SENTENCE_END.search(text, 1)
    if found is None:
        return clip(text, limit), ""
    lead, rest = text[: found.start()].strip(), text[found.end() :].strip()
    if len(lead) > limit:
        return clip(lead, limit), text
    return lead, rest


def _records(path: Path) -> list[dict]:
    try:
        return [record for _number, record in iter_records(path)]
    except DatasetError as exc:
        raise DataMissing(str(exc)) from None


def _text(record: dict, key: str) -> str:
    value = record.get(key)
    return value.strip() if isinstance(value, str) else ""


def check_data(directory: Path) -> Path:
    """The English seeds file to use; DataMissing naming every file that is absent."""
    missing = [
        f"{directory / name} ({what})"
        for name, what in REQUIRED.items()
        if not (directory / name).is_file()
    ]
    seeds = next((directory / n for n in SEEDS_EN if (directory / n).is_file()), None)
    if seeds is None:
        missing.append(
            f"{directory / SEEDS_EN[0]} or {SEEDS_EN[1]} (English seeds, SBIR abstracts)"
        )
    if missing:
        raise DataMissing(
            f"load data incomplete under {directory} (set --data or MATCHMAKER_BENCH_DATA); "
            f"missing: {'; '.join(missing)}"
        )
    return seeds


def _english_needs(directory: Path) -> tuple[list[BaseText], list[str]]:
    needs, sources = [], []
    for record in _records(directory / "sbir/needs.jsonl"):
        summary, body = split_lead(_text(record, "description"), 600)
        title = clip(_text(record, "title"), 190)
        if title and summary:
            needs.append(BaseText("en", title, summary, clip(body, BODY_LIMIT)))
    sources.append(f"sbir/needs.jsonl: {len(needs)} English needs")
    from matchmaker.opendata.challenge_gov import FeedError, parse_feed

    for name in CHALLENGE_FEEDS:
        path = directory / name
        if not path.is_file():
            sources.append(f"{name}: absent (optional)")
            continue
        try:
            parsed = parse_feed(path.read_bytes())
        except FeedError as exc:
            raise DataMissing(f"{path}: {exc.message}") from None
        for c in parsed.challenges:
            needs.append(BaseText("en", clip(c.title, 190), c.summary, clip(c.problem, BODY_LIMIT)))
        sources.append(f"{name}: {len(parsed.challenges)} English needs")
    return needs, sources


def load_corpus(directory: Path) -> Corpus:
    """Every usable text of the shared sets, by side and language."""
    seeds_en_path = check_data(directory)
    corpus = Corpus()
    corpus.needs["en"], corpus.sources = _english_needs(directory)

    paragraphs = _records(directory / "jsquad-ja/seeds.jsonl")
    questions = [_text(r, "description") for r in _records(directory / "jsquad-ja/needs.jsonl")]
    questions = [q for q in questions if q]
    ja_needs, ja_seeds = [], []
    for number, record in enumerate(paragraphs):
        lead, rest = split_lead(_text(record, "description"), 400)
        if not lead:
            continue
        article = clip(_text(record, "title"), 190) or lead[:40]
        ja_seeds.append(BaseText("ja", article, lead, rest))
        if questions:  # a question as the need's title, a paragraph as its background
            title = clip(questions[number % len(questions)], 190)
            ja_needs.append(BaseText("ja", title, lead, rest))
    corpus.needs["ja"], corpus.seeds["ja"] = ja_needs, ja_seeds
    corpus.sources.append(
        f"jsquad-ja: {len(ja_seeds)} Japanese paragraphs (seeds, and needs titled by "
        f"{len(questions)} questions)"
    )

    seeds_en = []
    for record in _records(seeds_en_path):
        abstract = _text(record, "description")
        title, _rest = split_lead(abstract, 110)
        summary, body = split_lead(abstract, 600)
        if title and summary:
            seeds_en.append(BaseText("en", title, summary, body))
    corpus.seeds["en"] = seeds_en
    corpus.sources.append(
        f"{seeds_en_path.relative_to(directory)}: {len(seeds_en)} English abstracts (seeds)"
    )
    for side, by_language in (("needs", corpus.needs), ("seeds", corpus.seeds)):
        empty = [language for language, texts in by_language.items() if not texts]
        if empty:
            raise DataMissing(f"no usable {side} texts in {', '.join(empty)} under {directory}")
    return corpus
