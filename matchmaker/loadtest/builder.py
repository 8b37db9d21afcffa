"""A fresh load database: migrations, accounts, 10,000 needs and 100,000 seeds with their stored
vectors and explanation sentence vectors (current for the matcher: right model names and text and
sentence hashes), and one open call."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select, update

from matchmaker.calls.models import Call, CallStatus
from matchmaker.common.text import search_blob
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.loadtest.accounts import Accounts, create_accounts
from matchmaker.loadtest.corpus import Corpus
from matchmaker.loadtest.rows import NEEDS_JA_SHARE, SEEDS_JA_SHARE, assign, need_row, seed_row
from matchmaker.loadtest.vectors import SampleVectors
from matchmaker.matching.models import Embedding, IndexState
from matchmaker.matching.store import STATE_NAME
from matchmaker.needs.models import Need, NeedPolicyArea
from matchmaker.seeds.models import Seed, SeedPolicyArea

CHUNK = 2000
REVISION = 1


@dataclass
class Dataset:
    """What the scenarios need to know about the database they run against."""

    accounts: Accounts
    needs_by_department: dict[int, list[int]] = field(default_factory=dict)
    need_ids: list[int] = field(default_factory=list)
    call_id: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    languages: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0


def _bar(total: int, desc: str, shown: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="row", disable=not shown, leave=False)


def _insert_records(conn, kind, slots, texts, owners, vectors, rng, bar) -> list[int]:
    """One side's records in chunks: rows, policy areas and one embedding per model each."""
    model, area_model, make = (
        (Need, NeedPolicyArea, need_row) if kind == "need" else (Seed, SeedPolicyArea, seed_row)
    )
    key = "need_id" if kind == "need" else "seed_id"
    now = utcnow()
    ids: list[int] = []
    for start in range(0, len(slots), CHUNK):
        chunk = slots[start : start + CHUNK]
        built = [
            make(slot, texts[slot.language][slot.base], owners(start + n), rng, now)
            for n, slot in enumerate(chunk)
        ]
        stmt = insert(model.__table__).returning(model.id, sort_by_parameter_order=True)
        new_ids = [row[0] for row in conn.execute(stmt, [row for row, _a, _h in built])]
        areas = [
            {key: i, "code": c} for i, (_r, a, _h) in zip(new_ids, built, strict=True) for c in a
        ]
        conn.execute(insert(area_model.__table__), areas)
        embeddings = [
            {
                "entity_type": kind,
                "entity_id": record_id,
                "model": vectors.models[signal],
                "text_hash": doc.text_hash,
                "dim": vectors.dims[signal],
                "vector": vectors.vector(kind, slot.language, signal, slot.base),
                "revision": REVISION,
                "updated_at": now,
                **vectors.sentence_columns(kind, slot.language, signal, slot.base, doc),
            }
            for record_id, slot, (_r, _a, doc) in zip(new_ids, chunk, built, strict=True)
            for signal in vectors.models
        ]
        conn.execute(insert(Embedding.__table__), embeddings)
        conn.commit()
        ids.extend(new_ids)
        bar.update(len(chunk))
    return ids


def _open_call(conn, need_id: int, org_id: int) -> int:
    """One call open for proposals on a department's need; the run moves its deadline."""
    now = utcnow()
    title = "負荷試験の公募: 防災データの活用 / Load test call: disaster data"
    description = "締切直前に多数の提案が届く状況を試験します。"
    stmt = insert(Call.__table__).returning(Call.id)
    call_id = conn.execute(
        stmt,
        {
            "need_id": need_id,
            "organization_id": org_id,
            "status": CallStatus.OPEN,
            "language": "ja",
            "title": title,
            "description": description,
            "eligibility": "",
            "opens_at": now - timedelta(days=30),
            "closes_at": now + timedelta(days=1),
            "budget_currency": "JPY",
            "pilot_period": "",
            "search_text": search_blob(title, description),
            "version": 1,
            "created_at": now - timedelta(days=31),
            "updated_at": now - timedelta(days=30),
            "published_at": now - timedelta(days=31),
            "opened_at": now - timedelta(days=30),
        },
    ).scalar_one()
    conn.commit()
    return call_id


def build(
    corpus: Corpus,
    vectors: SampleVectors,
    *,
    needs: int,
    seeds: int,
    department_users: int,
    providers: int,
    logins: int,
    seed: int = 7,
    progress: bool = True,
) -> Dataset:
    """Fill the (migrated, empty) database of the current app; commits as it goes."""
    started = time.perf_counter()
    rng = random.Random(seed)  # noqa: S311 (repeatable test data, not a secret)
    with db.engine.connect() as conn:
        accounts = create_accounts(
            conn,
            departments=min(20, max(1, needs)),
            department_users=department_users,
            providers=providers,
            logins=logins,
            seeds=seeds,
        )
        conn.commit()
        data = Dataset(accounts=accounts)
        departments = accounts.department_ids
        need_slots = assign(needs, corpus.needs, NEEDS_JA_SHARE, seed)
        seed_slots = assign(seeds, corpus.seeds, SEEDS_JA_SHARE, seed + 1)
        with _bar(needs, "needs", progress) as bar:
            data.need_ids = _insert_records(
                conn,
                "need",
                need_slots,
                corpus.needs,
                lambda n: departments[n % len(departments)],
                vectors,
                rng,
                bar,
            )
        owners = accounts.provider_org_ids
        with _bar(seeds, "seeds", progress) as bar:
            _insert_records(
                conn,
                "seed",
                seed_slots,
                corpus.seeds,
                lambda n: owners[n % len(owners)],
                vectors,
                rng,
                bar,
            )
        conn.execute(insert(IndexState.__table__), {"name": STATE_NAME, "revision": REVISION})
        conn.commit()
        for n, need_id in enumerate(data.need_ids):
            data.needs_by_department.setdefault(departments[n % len(departments)], []).append(
                need_id
            )
        data.call_id = _open_call(conn, data.need_ids[0], departments[0])
        data.counts = _counts(conn)
    data.languages = {
        "needs": _languages(need_slots),
        "seeds": _languages(seed_slots),
    }
    data.seconds = time.perf_counter() - started
    return data


def _languages(slots) -> dict[str, int]:
    out: dict[str, int] = {}
    for slot in slots:
        out[slot.language] = out.get(slot.language, 0) + 1
    return out


def _counts(conn) -> dict[str, int]:
    from matchmaker.accounts.models import Organization, User

    tables = {"needs": Need, "seeds": Seed, "embeddings": Embedding, "users": User}
    out = {
        name: conn.execute(select(func.count()).select_from(m)).scalar_one()
        for name, m in tables.items()
    }
    out["organizations"] = conn.execute(select(func.count()).select_from(Organization)).scalar_one()
    return out


def set_deadline(call_id: int, seconds: float):
    """Move the open call's deadline to `seconds` from now (what a department's edit does)."""
    closes_at = utcnow() + timedelta(seconds=seconds)
    with db.engine.connect() as conn:
        conn.execute(
            update(Call.__table__)
            .where(Call.id == call_id)
            .values(closes_at=closes_at, version=Call.version + 1, updated_at=utcnow())
        )
        conn.commit()
    return closes_at
