"""Rows of the load database: needs and seeds made from repeated real texts, with the search
column and the document text exactly as the services and the matcher compute them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace

from matchmaker.accounts.models import OrgKind
from matchmaker.common.taxonomy import POLICY_AREAS
from matchmaker.loadtest.corpus import BaseText
from matchmaker.matching.records import need_doc, seed_doc
from matchmaker.needs.models import NeedStatus
from matchmaker.needs.services import search_text_for as need_search_text
from matchmaker.seeds.models import SeedStatus
from matchmaker.seeds.services import search_text_for as seed_search_text

NEEDS_JA_SHARE = 0.4  # the platform serves Tokyo: many needs are written in Japanese
SEEDS_JA_SHARE = 0.2
AREA_CODES = sorted(POLICY_AREAS)
ORG_KINDS = [k for k in OrgKind if k is not OrgKind.DEPARTMENT]


@dataclass(frozen=True)
class Slot:
    """Record number -> which real text it repeats (and which repetition it is)."""

    language: str
    base: int
    copy: int


def assign(n: int, texts: dict[str, list[BaseText]], ja_share: float, seed: int) -> list[Slot]:
    """Languages drawn with `ja_share`; each language walks through its texts, then repeats."""
    rng = random.Random(seed)  # noqa: S311 (repeatable test data, not a secret)
    counters = dict.fromkeys(texts, 0)
    slots = []
    for _ in range(n):
        language = "ja" if rng.random() < ja_share else "en"
        k = counters[language]
        counters[language] += 1
        size = len(texts[language])
        slots.append(Slot(language, k % size, k // size))
    return slots


def _title(base: BaseText, copy: int) -> str:
    return base.title if copy == 0 else f"{base.title} ({copy + 1})"


def _need_fields(base: BaseText, copy: int) -> dict:
    return {
        "language": base.language,
        "title": _title(base, copy),
        "summary": base.summary[:1000],
        "problem": base.body,
        "desired_outcome": "",
        "constraints": "",
        "title_translated": None,
        "summary_translated": None,
    }


def _seed_fields(base: BaseText, copy: int) -> dict:
    return {
        "language": base.language,
        "title": _title(base, copy),
        "summary": base.summary[:1000],
        "description": base.body,
        "title_translated": None,
        "summary_translated": None,
        "keywords": [],
        "track_record": "",
    }


def _doc(kind: str, fields: dict, areas: list[str]):
    record = SimpleNamespace(
        id=0,
        organization=None,
        organization_id=None,
        policy_areas=areas,
        trl=None,
        ready_for_pilot=False,
        **fields,
    )
    return need_doc(record) if kind == "need" else seed_doc(record)


def doc_text(kind: str, base: BaseText, copy: int = 0) -> str:
    """The text the matcher encodes for this record (the policy areas do not enter it)."""
    fields = _need_fields(base, copy) if kind == "need" else _seed_fields(base, copy)
    return _doc(kind, fields, []).text


def _areas(rng: random.Random) -> list[str]:
    return sorted(rng.sample(AREA_CODES, rng.choice((1, 1, 2))))


def _published(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(days=rng.uniform(1, 3 * 365))


def need_row(slot: Slot, base: BaseText, org_id: int, rng: random.Random, now: datetime):
    """(needs row, policy area codes, the matcher's document) of one published need."""
    fields = _need_fields(base, slot.copy)
    areas = _areas(rng)
    published = _published(rng, now)
    low = rng.choice((None, 1_000_000, 3_000_000, 5_000_000))
    row = {
        **fields,
        "organization_id": org_id,
        "status": NeedStatus.PUBLISHED,
        "sdg_goals": [],
        "budget_min": low,
        "budget_max": None if low is None else low * rng.choice((2, 3, 5)),
        "budget_currency": "JPY",
        "min_trl": rng.choice((None, None, None, 3, 5, 7)),
        "search_text": need_search_text(SimpleNamespace(**fields), areas),
        "version": 1,
        "created_at": published - timedelta(days=rng.uniform(3, 60)),
        "updated_at": published,
        "submitted_at": published - timedelta(days=2),
        "published_at": published,
    }
    return row, areas, _doc("need", fields, areas)


def seed_row(slot: Slot, base: BaseText, org_id: int, rng: random.Random, now: datetime):
    """(seeds row, policy area codes, the matcher's document) of one published seed."""
    fields = _seed_fields(base, slot.copy)
    areas = _areas(rng)
    published = _published(rng, now)
    row = {
        **fields,
        "organization_id": org_id,
        "status": SeedStatus.PUBLISHED,
        "trl": rng.randint(1, 9),
        "website": "",
        "ready_for_pilot": rng.random() < 0.3,
        "search_text": seed_search_text(SimpleNamespace(policy_areas=areas, **fields)),
        "version": 1,
        "created_at": published - timedelta(days=rng.uniform(1, 30)),
        "updated_at": published,
        "published_at": published,
    }
    return row, areas, _doc("seed", fields, areas)
