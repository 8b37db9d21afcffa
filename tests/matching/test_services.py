"""Documents from records, stored embeddings, encode-after-commit marks, ranking services."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.extensions import db
from matchmaker.matching import pending, services
from matchmaker.matching.filters import Filters
from matchmaker.matching.models import Embedding
from matchmaker.matching.records import NEED, SEED, need_doc, seed_doc
from matchmaker.matching.store import current_revision, from_bytes, sync
from matchmaker.needs.models import NeedStatus
from matchmaker.seeds import services as seed_services
from matchmaker.seeds.models import SeedPolicyArea, SeedStatus
from tests.factories import make_need, make_org, make_seed, make_user
from tests.matching.conftest import add_need, add_seed, encode, sentence_count


def embeddings(kind: str, entity_id: int) -> dict[str, Embedding]:
    stmt = select(Embedding).where(Embedding.entity_type == kind, Embedding.entity_id == entity_id)
    return {e.model: e for e in db.session.scalars(stmt)}


# --- documents ------------------------------------------------------------------------------


def test_a_needs_document_has_its_text_translation_and_facts():
    need = make_need(
        title="防災情報の多言語配信",
        summary="外国人住民に避難情報を届けたい。",
        problem="防災メールは日本語のみ。",
        desired_outcome="10言語で配信する。",
        constraints="都内のサーバーに保存すること。",
        title_translated="Multilingual disaster information",
        summary_translated="Deliver evacuation information to foreign residents.",
        policy_areas=("disaster_prevention", "international"),
        min_trl=5,
    )
    doc = need_doc(need)
    assert doc.id == need.id and doc.title == "防災情報の多言語配信"
    parts = ("外国人住民", "日本語のみ", "10言語", "Multilingual disaster", "foreign residents")
    for part in parts:
        assert part in doc.body
    assert "サーバー" not in doc.body  # constraints are not what the need is about
    assert doc.language == "ja"
    assert doc.policy_areas == ["disaster_prevention", "international"]
    assert doc.trl is None and doc.org_kind == "department" and doc.org_id == need.organization_id


def test_a_seeds_document_has_its_text_keywords_and_facts():
    seed = make_seed(
        org=make_org(OrgKind.UNIVERSITY),
        description="Radar, no camera.",
        keywords=["radar", "見守り"],
        summary_translated="高齢者の転倒を検知",
        trl=7,
        ready_for_pilot=True,
    )
    doc = seed_doc(seed)
    assert doc.title == seed.title
    for part in (seed.summary, "Radar, no camera.", "radar, 見守り", "高齢者の転倒を検知"):
        assert part in doc.body
    facts = (doc.trl, doc.org_kind, doc.ready_for_pilot, doc.language)
    assert facts == (7, "university", True, "en")


def test_the_text_hash_follows_the_text_only():
    seed = make_seed()
    before = seed_doc(seed).text_hash
    seed.status = SeedStatus.ARCHIVED
    seed.trl = 3
    assert seed_doc(seed).text_hash == before
    seed.summary = "Something else entirely"
    assert seed_doc(seed).text_hash != before


# --- stored embeddings ----------------------------------------------------------------------


def test_records_are_encoded_once_per_model_and_skipped_when_unchanged(counting):
    seeds = [add_seed(key) for key in ("fall_en", "flood_ja", "bus_en")]
    ids = [s.id for s in seeds]
    first = sync(db.session, SEED, ids, counting.encoders)
    assert (first.encoded, first.skipped) == (3, 0)
    assert counting.total() == 3 * len(counting.encoders) + sentence_count(*seeds)
    stored = embeddings(SEED, seeds[0].id)
    assert set(stored) == {e.name for e in counting.encoders.values()}
    for _signal, encoder in counting.encoders.items():
        row = stored[encoder.name]
        assert row.text_hash == seed_doc(seeds[0]).text_hash and row.dim == encoder.dim
        assert row.revision == first.revision == current_revision(db.session)[0]
        expected = encoder.inner.encode([seed_doc(seeds[0]).text])[0]
        assert np.allclose(from_bytes(row.vector), expected, atol=1e-5)

    counting.reset()
    again = sync(db.session, SEED, ids, counting.encoders, touch=False)
    assert (again.encoded, again.skipped, again.revision) == (0, 3, None)
    assert counting.total() == 0

    seeds[1].summary = "河川の水位センサーで洪水を予測します。"
    db.session.flush()
    edited = sync(db.session, SEED, ids, counting.encoders, touch=False)
    assert (edited.encoded, edited.skipped) == (1, 2)
    assert counting.total() == len(counting.encoders) + sentence_count(seeds[1])
    assert edited.revision == first.revision + 1
    assert all(e.revision == edited.revision for e in embeddings(SEED, seeds[1].id).values())
    assert all(e.revision == first.revision for e in embeddings(SEED, seeds[0].id).values())


def test_a_filter_only_change_restamps_without_encoding(counting):
    seed = add_seed("fall_en")
    first = sync(db.session, SEED, [seed.id], counting.encoders)
    counting.reset()
    seed.policy_area_rows.append(SeedPolicyArea(code="health"))
    db.session.flush()
    second = sync(db.session, SEED, [seed.id], counting.encoders)
    assert counting.total() == 0
    assert second.revision == first.revision + 1
    assert all(e.revision == second.revision for e in embeddings(SEED, seed.id).values())


def test_unpublished_records_are_not_encoded_and_keep_their_vectors(counting):
    draft = add_seed("fall_en", status=SeedStatus.DRAFT)
    closed = add_need("watch_ja", status=NeedStatus.CLOSED)
    assert sync(db.session, SEED, [draft.id], counting.encoders).encoded == 0
    assert sync(db.session, NEED, [closed.id], counting.encoders).encoded == 0
    assert counting.total() == 0 and not embeddings(SEED, draft.id)

    published = add_seed("bus_en")
    first = sync(db.session, SEED, [published.id], counting.encoders)
    published.status = SeedStatus.DRAFT
    db.session.flush()
    result = sync(db.session, SEED, [published.id], counting.encoders)
    assert result.removed == 1 and result.revision == first.revision + 1
    rows = embeddings(SEED, published.id)
    assert rows and all(e.revision == result.revision for e in rows.values())


# --- marks handed over after the commit -----------------------------------------------------


def test_saves_are_handed_to_the_encoder_only_after_a_commit():
    owner = make_user(Role.PROVIDER)
    data = seed_services.SeedData(
        title="Radar fall sensor", summary="Detects falls.", trl=6, policy_areas=("elderly_care",)
    )
    seed = seed_services.create_seed(owner, data)
    assert (SEED, seed.id) in db.session.info[pending.PENDING]
    assert pending.take_committed(db.session) == set()
    db.session.commit()
    assert pending.take_committed(db.session) == {(SEED, seed.id)}
    assert pending.take_committed(db.session) == set()

    seed_services.transition(seed, "publish", owner)
    db.session.rollback()
    assert pending.take_committed(db.session) == set()
    assert pending.PENDING not in db.session.info


# --- ranking services -----------------------------------------------------------------------


def test_rank_seeds_for_need_applies_filters_before_the_cut(corpus):
    need = corpus.needs["watch_ja"]
    everything = services.rank_seeds_for_need(need, top_k=3)
    assert next(i.record.id for i in everything.items) == corpus.seeds["fall_en"].id
    assert len(everything.items) == 3
    japanese = services.rank_seeds_for_need(need, Filters(languages=["ja"]), top_k=3)
    assert {i.record.language for i in japanese.items} == {"ja"}
    assert len(japanese.items) == 3
    item = everything.items[0]
    assert item.why is not None and item.why.query_sentence and item.why.match_sentence
    assert item.query_sentence_lang == "ja" and item.match_sentence_lang == "en"
    assert item.contributions and item.contributions[0][0] == "multilingual"


def test_rank_needs_for_seed(corpus):
    result = services.rank_needs_for_seed(corpus.seeds["bus_en"])
    assert result.items[0].record.id == corpus.needs["bus_en"].id
    assert {i.record.id for i in result.items} == {n.id for n in corpus.needs.values()}


def test_an_unpublished_seed_leaves_the_ranking(corpus):
    seed = corpus.seeds["fall_en"]
    need = corpus.needs["watch_ja"]
    assert services.rank_seeds_for_need(need).items[0].record.id == seed.id
    seed_services.transition(seed, "unpublish", make_user(Role.PROVIDER, org=seed.organization))
    encode(corpus.encoders, seed)
    ids = [i.record.id for i in services.rank_seeds_for_need(need).items]
    assert seed.id not in ids and len(ids) == len(corpus.seeds) - 1


@pytest.mark.parametrize(
    ("role", "own", "sees_need", "sees_seed"),
    [
        (Role.DEPARTMENT, True, True, False),
        (Role.DEPARTMENT, False, False, False),
        (Role.PROVIDER, True, False, True),
        (Role.PROVIDER, False, False, False),
        (Role.REVIEWER, False, False, False),
        (Role.COORDINATOR, False, True, False),
        (Role.ADMIN, False, True, False),
    ],
)
def test_who_may_see_matches(role, own, sees_need, sees_seed):
    need, seed = make_need(), make_seed()
    org = {Role.DEPARTMENT: need.organization, Role.PROVIDER: seed.organization}.get(role)
    user = make_user(role, org=org if own else None)
    assert services.can_see_need_matches(user, need) is sees_need
    assert services.can_see_seed_matches(user, seed) is sees_seed
    assert services.can_see_need_matches(None, need) is False


def test_an_empty_corpus_is_reported_not_raised(encoders):
    result = services.rank_seeds_for_need(add_need("watch_ja"))
    assert result.empty_corpus and result.items == [] and result.unavailable is None
