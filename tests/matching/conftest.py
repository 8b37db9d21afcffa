"""Matching fixtures: the real encoders loaded once, a fresh in-memory index per test, and a
small fixed bilingual corpus of published needs and seeds with stored embeddings."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from matchmaker.accounts.models import OrgKind
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.matching.explain import sentences_of
from matchmaker.matching.records import NEED, SEED, doc_for
from matchmaker.matching.store import sync
from tests.factories import make_need, make_org, make_seed

SEEDS = {
    "fall_en": {
        "title": "AI fall detection sensor for seniors living alone",
        "summary": "A radar sensor detects when an elderly person living alone falls at home and "
        "alerts family members and care staff within seconds.",
        "keywords": ["fall detection", "elderly", "radar"],
        "language": "en",
        "policy_areas": ("elderly_care",),
        "trl": 7,
        "ready_for_pilot": True,
        "org_kind": OrgKind.STARTUP,
    },
    "flood_ja": {
        "title": "AIによる河川の洪水予測システム",
        "summary": "河川の水位と雨量のデータからAIが数時間先の洪水を予測し、"
        "周辺の住民に避難情報を自動で配信します。",
        "language": "ja",
        "policy_areas": ("disaster_prevention",),
        "trl": 6,
        "org_kind": OrgKind.UNIVERSITY,
    },
    "bus_en": {
        "title": "On-demand shuttle bus routing",
        "summary": "Software that plans on-demand bus routes in suburbs from ride requests, "
        "so residents without a car reach shops and hospitals.",
        "language": "en",
        "policy_areas": ("mobility",),
        "trl": 8,
        "ready_for_pilot": True,
        "org_kind": OrgKind.COMPANY,
    },
    "school_ja": {
        "title": "子ども向けプログラミング教材",
        "summary": "小学生がゲームを作りながらプログラミングを学べる教材と教員研修を提供します。",
        "language": "ja",
        "policy_areas": ("education",),
        "trl": 9,
        "org_kind": OrgKind.NPO,
    },
    "solar_ja": {
        "title": "屋上太陽光発電の診断サービス",
        "summary": "ドローンで建物の屋上を撮影し、"
        "太陽光パネルの設置に適した面積と発電量を診断します。",
        "language": "ja",
        "policy_areas": ("environment_energy",),
        "trl": 5,
        "org_kind": OrgKind.STARTUP,
    },
    "pay_en": {
        "title": "QR code payments for neighbourhood shops",
        "summary": "A low-fee QR code payment service for small local shops and shopping streets.",
        "language": "en",
        "policy_areas": ("cashless",),
        "trl": 9,
        "org_kind": OrgKind.STARTUP,
    },
}

NEEDS = {
    "watch_ja": {
        "title": "一人暮らし高齢者の見守り",
        "summary": "一人暮らしの高齢者が自宅で転倒したときに、すぐに家族やケアスタッフに"
        "知らせる仕組みを探しています。",
        "language": "ja",
        "policy_areas": ("elderly_care",),
    },
    "flood_en": {
        "title": "Flood early warning for residents near rivers",
        "summary": "We need a system that predicts river flooding hours in advance and sends "
        "evacuation warnings to nearby residents.",
        "language": "en",
        "policy_areas": ("disaster_prevention",),
    },
    "bus_en": {
        "title": "Better bus routes for suburban residents",
        "summary": "Suburban residents without a car struggle to reach hospitals; we look for "
        "on-demand bus routes planned from ride requests.",
        "language": "en",
        "policy_areas": ("mobility",),
    },
}

MATCH_LIST = re.compile(r'<ol class="cards match-list">(.*?)</ol>', re.S)


class MemoEncoder:
    """A real encoder that remembers each text's vector for the session: same vectors, and the
    corpus (rebuilt in every test's rolled-back transaction) is encoded only once."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.memo: dict[str, np.ndarray] = {}

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if missing:
            self.memo.update(zip(missing, self.inner.encode(missing, batch_size), strict=True))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.memo[t] for t in texts])


@pytest.fixture(scope="session")
def encoders(app):
    """The real models, loaded once for the whole test session."""
    path = runtime.config_path(app)
    loaded = runtime.get_encoders(path)
    wrapped = {s: e if isinstance(e, MemoEncoder) else MemoEncoder(e) for s, e in loaded.items()}
    runtime.use_encoders(path, wrapped)
    return wrapped


class CountingEncoder:
    """Counts the texts handed to the encoder it wraps."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts, batch_size)


@pytest.fixture
def counting(app, encoders):
    """The app's encoders wrapped in counters for this test; `.total()` sums every signal."""
    path = runtime.config_path(app)
    wrapped = {signal: CountingEncoder(e) for signal, e in encoders.items()}
    runtime.use_encoders(path, wrapped)
    yield SimpleNamespace(
        encoders=wrapped,
        total=lambda: sum(len(e.texts) for e in wrapped.values()),
        reset=lambda: [e.texts.clear() for e in wrapped.values()],
    )
    runtime.use_encoders(path, encoders)


@pytest.fixture(autouse=True)
def fresh_index(app):
    """The database is rolled back after each test, so the in-memory index starts empty."""
    runtime.reset_index(app)
    yield
    runtime.reset_index(app)


@pytest.fixture(autouse=True)
def english_pages(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


def encode(encoders, *records) -> None:
    """What saving through a service does after the commit: store the records' embeddings."""
    for kind in (NEED, SEED):
        ids = [r.id for r in records if (r.__tablename__ == "needs") is (kind == NEED)]
        if ids:
            sync(db.session, kind, ids, encoders)
    db.session.flush()


def sentence_count(*records) -> int:
    """Sentences the explainer encodes when these records are saved (besides their texts)."""
    return sum(
        len(sentences_of(doc_for(NEED if r.__tablename__ == "needs" else SEED, r))) for r in records
    )


def add_seed(key: str, org=None, **overrides):
    fields = {**SEEDS[key], **overrides}
    kind = fields.pop("org_kind")
    return make_seed(org=org or make_org(kind), **fields)


def add_need(key: str, org=None, **overrides):
    return make_need(org=org or make_org(OrgKind.DEPARTMENT), **{**NEEDS[key], **overrides})


@pytest.fixture
def corpus(encoders):
    """Every seed and need above, published and encoded; attributes by key."""
    seeds = {key: add_seed(key) for key in SEEDS}
    needs = {key: add_need(key) for key in NEEDS}
    encode(encoders, *seeds.values(), *needs.values())
    return SimpleNamespace(encoders=encoders, seeds=seeds, needs=needs)


def ranked_ids(html: str, kind: str = "seeds") -> list[int]:
    """The ids of the ranked records, in page order, from the match section."""
    found = MATCH_LIST.search(html)
    if not found:
        return []
    return [int(i) for i in re.findall(rf'href="/{kind}/(\d+)"', found.group(1))]
