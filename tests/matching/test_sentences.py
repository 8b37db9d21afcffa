"""Explanations' sentence vectors: stored when a record is encoded, read in one query for a match
list, encoded at ranking time only for a record without current ones; same explanations."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import event, select, update

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.matching import runtime, services
from matchmaker.matching.explain import (
    pack_sentences,
    sentence_hash,
    sentences_of,
    unpack_sentences,
)
from matchmaker.matching.models import Embedding
from matchmaker.matching.records import NEED, SEED, need_doc, seed_doc
from matchmaker.matching.store import current_revision, sync
from matchmaker.seeds.models import Seed, SeedStatus
from tests.matching.conftest import add_seed

EXPLAINER = "multilingual"


def row_of(kind: str, entity_id: int, model: str) -> Embedding:
    return db.session.scalar(
        select(Embedding).where(
            Embedding.entity_type == kind,
            Embedding.entity_id == entity_id,
            Embedding.model == model,
        )
    )


def stored_matrix(row: Embedding, doc, dim: int) -> np.ndarray | None:
    return unpack_sentences(row.sentence_vectors, len(sentences_of(doc)), dim)


def forget_sentences(kind: str, ids) -> None:
    """As rows written before the sentence columns existed."""
    db.session.execute(
        update(Embedding)
        .where(Embedding.entity_type == kind, Embedding.entity_id.in_(list(ids)))
        .values(sentence_hash=None, sentence_vectors=None)
    )
    db.session.expire_all()


@pytest.fixture
def sentence_queries():
    """Statements that read stored sentence vectors, as the database received them."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if "sentence_vectors" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def explanations(result) -> list[dict]:
    return [item.why.as_dict() for item in result.items]


# --- the stored form --------------------------------------------------------------------------


def test_packing_keeps_each_sentence_within_a_percent_and_refuses_a_wrong_shape():
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(5, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    packed = pack_sentences(vectors)
    assert len(packed) == 5 * (64 + 4)  # int8 codes plus one float32 scale per sentence
    restored = unpack_sentences(packed, 5, 64)
    cosines = np.sum(restored * vectors, axis=1) / np.linalg.norm(restored, axis=1)
    assert cosines.min() > 0.99
    assert unpack_sentences(packed, 4, 64) is None  # a changed sentence count is stale
    assert unpack_sentences(packed, 5, 32) is None  # another model's width
    assert unpack_sentences(None, 5, 64) is None


def test_saving_stores_the_explainers_sentence_vectors(corpus):
    encoder = corpus.encoders[EXPLAINER]
    for key, seed in corpus.seeds.items():
        doc = seed_doc(seed)
        row = row_of(SEED, seed.id, encoder.name)
        assert row.sentence_hash == sentence_hash(sentences_of(doc)), key
        expected = encoder.encode(sentences_of(doc))
        assert np.allclose(stored_matrix(row, doc, encoder.dim), expected, atol=0.01), key
    other = corpus.encoders["semantic"].name
    assert row_of(SEED, corpus.seeds["fall_en"].id, other).sentence_vectors is None


def test_publishing_through_the_form_stores_sentences_after_the_commit(client, login_as, corpus):
    owner = login_as(Role.PROVIDER)
    draft = add_seed("flood_ja", org=owner.organization, status=SeedStatus.DRAFT)
    db.session.flush()
    published = client.post(f"/seeds/{draft.id}/publish", data={"version": draft.version})
    assert published.status_code == 302
    seed = db.session.get(Seed, draft.id)
    row = row_of(SEED, seed.id, corpus.encoders[EXPLAINER].name)
    assert row is not None and row.sentence_hash == sentence_hash(sentences_of(seed_doc(seed)))
    assert stored_matrix(row, seed_doc(seed), corpus.encoders[EXPLAINER].dim) is not None


# --- ranking reads them -----------------------------------------------------------------------


def test_a_match_list_encodes_nothing_and_reads_sentences_in_one_query(
    corpus, counting, sentence_queries
):
    need = corpus.needs["watch_ja"]
    runtime.get_index()
    counting.reset()
    sentence_queries.clear()
    result = services.rank_seeds_for_need(need)
    assert result.items and counting.total() == 0
    assert len(sentence_queries) == 1
    for item in result.items:
        assert item.why.query_sentence in sentences_of(need_doc(need))
        assert item.why.match_sentence in sentences_of(seed_doc(item.record))
    assert result.items[0].record.id == corpus.seeds["fall_en"].id
    assert result.items[0].why.shared_terms or result.items[0].why.query_sentence


def test_the_seed_side_reads_stored_sentences_too(corpus, counting):
    seed = corpus.seeds["flood_ja"]
    runtime.get_index()
    counting.reset()
    result = services.rank_needs_for_seed(seed)
    assert result.items and counting.total() == 0
    assert all(item.why.match_sentence for item in result.items)


def test_explanations_are_the_same_as_when_encoded_at_request_time(corpus, counting):
    stored = {
        key: explanations(services.rank_seeds_for_need(need)) for key, need in corpus.needs.items()
    }
    assert counting.total() == 0
    forget_sentences(SEED, [s.id for s in corpus.seeds.values()])
    forget_sentences(NEED, [n.id for n in corpus.needs.values()])
    runtime.reset_index()
    encoded = {
        key: explanations(services.rank_seeds_for_need(need)) for key, need in corpus.needs.items()
    }
    assert counting.total() > 0  # this time the sentences were encoded while ranking
    assert encoded == stored
    assert any(e["query_sentence"] for items in stored.values() for e in items)


def test_a_record_without_stored_sentences_is_encoded_and_still_explained(corpus, counting):
    fall = corpus.seeds["fall_en"]
    forget_sentences(SEED, [fall.id])
    runtime.get_index()
    counting.reset()
    result = services.rank_seeds_for_need(corpus.needs["watch_ja"])
    first = result.items[0]
    assert first.record.id == fall.id and first.why.match_sentence
    assert counting.encoders[EXPLAINER].texts == sentences_of(seed_doc(fall))
    assert counting.encoders["semantic"].texts == []


def test_stale_stored_sentences_are_not_used(corpus, counting):
    fall = corpus.seeds["fall_en"]
    db.session.execute(
        update(Embedding)
        .where(Embedding.entity_type == SEED, Embedding.entity_id == fall.id)
        .where(Embedding.model == corpus.encoders[EXPLAINER].name)
        .values(sentence_hash=sentence_hash(["an older text."]))
    )
    runtime.get_index()
    counting.reset()
    services.rank_seeds_for_need(corpus.needs["watch_ja"])
    assert counting.encoders[EXPLAINER].texts == sentences_of(seed_doc(fall))


# --- keeping them current ---------------------------------------------------------------------


def test_a_changed_text_gets_new_sentence_vectors(corpus, counting):
    seed = corpus.seeds["bus_en"]
    name = corpus.encoders[EXPLAINER].name
    old_hash = row_of(SEED, seed.id, name).sentence_hash
    seed.summary = "Shuttles on demand. Riders book by phone. Routes change every hour."
    db.session.flush()
    counting.reset()
    result = sync(db.session, SEED, [seed.id], counting.encoders, touch=False)
    assert (result.encoded, result.sentences) == (1, 1)
    sentences = sentences_of(seed_doc(seed))
    assert counting.encoders[EXPLAINER].texts == [seed_doc(seed).text, *sentences]
    row = row_of(SEED, seed.id, name)
    assert row.sentence_hash == sentence_hash(sentences) != old_hash
    assert stored_matrix(row, seed_doc(seed), corpus.encoders[EXPLAINER].dim).shape[0] == 4


def test_missing_sentences_are_filled_without_touching_the_index(corpus, counting):
    ids = [s.id for s in corpus.seeds.values()]
    forget_sentences(SEED, ids)
    revision = current_revision(db.session)[0]
    counting.reset()
    result = sync(db.session, SEED, ids, counting.encoders, touch=False)
    assert (result.encoded, result.sentences, result.revision) == (0, len(ids), None)
    assert current_revision(db.session)[0] == revision  # no process reloads for this
    assert counting.encoders["semantic"].texts == []
    name = corpus.encoders[EXPLAINER].name
    for seed in corpus.seeds.values():
        assert row_of(SEED, seed.id, name).sentence_hash == sentence_hash(
            sentences_of(seed_doc(seed))
        )
    counting.reset()
    again = sync(db.session, SEED, ids, counting.encoders, touch=False)
    assert again.sentences == 0 and counting.total() == 0


def test_reindex_fills_missing_sentences_of_unchanged_records(app, corpus, counting):
    ids = [s.id for s in corpus.seeds.values()]
    forget_sentences(SEED, ids)
    runner = app.test_cli_runner()
    status = runner.invoke(args=["match", "status"])
    assert f"to encode 0, sentence vectors to encode {len(ids)}" in status.output
    counting.reset()
    result = runner.invoke(args=["match", "reindex"])
    assert result.exit_code == 0, result.output
    skipped = len(corpus.seeds) + len(corpus.needs)
    assert f"Encoded 0 records, skipped {skipped} unchanged" in result.output
    assert f"sentence vectors of {len(ids)} records" in result.output
    assert counting.encoders["semantic"].texts == []
    again = runner.invoke(args=["match", "reindex"])
    assert "sentence vectors of 0 records" in again.output
