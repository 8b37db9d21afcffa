"""The TF-IDF of both sides is fitted once over their union: the same scores as fitting each
side with the other as extra texts, each text analysed once, and refits that stay shared."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.extensions import db
from matchmaker.matching import lexical, runtime
from matchmaker.matching.index import MatchIndex
from matchmaker.matching.lexical import LexicalScorer
from matchmaker.matching.records import (
    NEED,
    SEED,
    doc_for,
    is_matchable,
    load_records,
    published_docs,
)
from matchmaker.matching.store import sync
from matchmaker.seeds.models import SeedStatus
from tests.matching.conftest import NEEDS, SEEDS, add_seed, encode

NEED_TEXTS = [f"{v['title']}. {v['summary']}" for v in NEEDS.values()] + [
    "Drones inspect bridges after an earthquake; 防災 drones for bridges",
    "介護記録の作成を支援するアプリ",
]
SEED_TEXTS = [f"{v['title']}. {v['summary']}" for v in SEEDS.values()] + [
    "Bridge inspection drones with thermal cameras",
    "防災訓練の実施と見守りセンサー",
    "fall detection fall detection radar",
]
QUERIES = ["drones for bridge inspection", "一人暮らし高齢者の見守り 防災", "bus routes", "zzz"]


def old_way(options: dict) -> dict[str, LexicalScorer]:
    """What the index did before: each side fitted on its texts plus the other side's."""
    return {
        NEED: LexicalScorer(**options).fit(NEED_TEXTS, SEED_TEXTS),
        SEED: LexicalScorer(**options).fit(SEED_TEXTS, NEED_TEXTS),
    }


@pytest.mark.parametrize(
    "options",
    [
        {},
        # min_df pruning on (min_df_from below the corpus size), and a bounded vocabulary
        {"min_df": 2, "min_df_from": 5, "max_features": 40},
    ],
)
def test_one_fit_over_the_union_scores_as_the_two_fits_did(options):
    old = old_way(options)
    fitted = LexicalScorer(**options).fit_sides([NEED_TEXTS, SEED_TEXTS])
    new = dict(zip((NEED, SEED), fitted, strict=True))
    for side in (NEED, SEED):
        assert new[side].n_docs == old[side].n_docs
        for name in ("word", "char"):
            before, after = old[side].scores(QUERIES)[name], new[side].scores(QUERIES)[name]
            np.testing.assert_allclose(after, before, rtol=1e-6, atol=1e-7)
            assert (before > 0).any()  # the comparison is not between empty matrices
        for text in QUERIES[:2] + SEED_TEXTS[:2]:
            before, after = old[side].key_terms(text), new[side].key_terms(text)
            assert after.keys() == before.keys()
            assert np.allclose(list(after.values()), [before[k] for k in after])


def test_both_sides_share_the_fitted_vectorizers():
    needs, seeds = LexicalScorer().fit_sides([NEED_TEXTS, SEED_TEXTS])
    assert needs.word is seeds.word and needs.char is seeds.char
    assert needs.postings["word"] is not seeds.postings["word"]
    assert needs.n_docs == len(NEED_TEXTS) and seeds.n_docs == len(SEED_TEXTS)


def test_each_text_is_analysed_once(monkeypatch):
    calls = []
    original = lexical.cjk_char_ngrams  # the char analyser: called once per text analysed
    monkeypatch.setattr(lexical, "cjk_char_ngrams", lambda *a: calls.append(a) or original(*a))
    LexicalScorer().fit_sides([NEED_TEXTS, SEED_TEXTS])
    assert len(calls) == len(NEED_TEXTS) + len(SEED_TEXTS)


def test_a_side_without_any_japanese_still_fits():
    needs, seeds = LexicalScorer().fit_sides([["bus routes"], ["shuttle bus"]])
    assert needs.postings["char"].shape == (0, 1)
    assert seeds.scores(["bus"])["word"][0, 0] > 0


def test_spread_puts_documents_at_their_rows():
    (scorer,) = LexicalScorer().fit_sides([["bridge drones", "bus routes"]])
    scorer.spread(np.array([0, 3]), 4)
    scores = scorer.scores(["bus routes"])["word"][0]
    assert scores.shape == (4,)
    assert scores[3] > 0 and scores[0] == 0 and scores[1] == scores[2] == 0


# --- in the index ---------------------------------------------------------------------------


def test_a_full_load_analyses_each_published_text_once(app, corpus, monkeypatch):
    calls = []
    original = lexical.cjk_char_ngrams  # the char analyser: called once per text analysed
    monkeypatch.setattr(lexical, "cjk_char_ngrams", lambda *a: calls.append(a) or original(*a))
    index = runtime.get_index()
    assert len(calls) == len(corpus.needs) + len(corpus.seeds)
    needs, seeds = index.rankers[NEED].lexical, index.rankers[SEED].lexical
    assert needs.word is seeds.word and needs.char is seeds.char


def test_the_index_scores_as_the_rankers_fitted_apart(app, corpus):
    index = runtime.get_index()
    config = runtime.matching_config(runtime.config_path(app))
    texts = {t: [d.text for d in index.rankers[t].docs] for t in (NEED, SEED)}
    apart = LexicalScorer(**config["lexical"]).fit(texts[SEED], texts[NEED])
    queries = texts[NEED] + QUERIES
    for name in ("word", "char"):
        np.testing.assert_allclose(
            index.rankers[SEED].lexical.scores(queries)[name],
            apart.scores(queries)[name],
            rtol=1e-6,
            atol=1e-7,
        )


def test_documents_read_as_columns_equal_those_of_the_orm_objects(corpus):
    draft = add_seed("fall_en", status=SeedStatus.DRAFT, keywords=["radar", "雪"])
    db.session.flush()
    for entity_type, records in ((SEED, corpus.seeds), (NEED, corpus.needs)):
        ids = [r.id for r in records.values()] + ([draft.id] if entity_type == SEED else [])
        loaded = load_records(db.session, entity_type, ids)
        expected = {
            i: doc_for(entity_type, r) for i, r in loaded.items() if is_matchable(entity_type, r)
        }
        assert published_docs(db.session, entity_type, ids) == expected
        everything = published_docs(db.session, entity_type)
        assert {i: everything[i] for i in expected} == expected
    assert draft.id not in published_docs(db.session, SEED)
    assert any(d.policy_areas for d in expected.values())


def test_a_new_seed_joins_the_shared_vocabulary_at_the_next_refit(app, corpus):
    index = runtime.get_index()
    seed = add_seed("pay_en", title="Zorbulator for snow removal", summary="Zorbulator ploughs.")
    encode(corpus.encoders, seed)
    assert runtime.get_index() is index
    seeds, needs = index.rankers[SEED], index.rankers[NEED]
    scores = seeds.lexical.scores(["zorbulator"])["word"][0]
    assert scores[seeds.row_of[seed.id]] > 0  # a small corpus refits at each change
    assert seeds.lexical.word is needs.lexical.word  # still one vocabulary for both sides
    assert needs.lexical.n_docs == len(needs.docs)


def test_a_removed_seed_leaves_the_refitted_vocabulary(app, corpus):
    index = runtime.get_index()
    seed = corpus.seeds["solar_ja"]
    seed.status = SeedStatus.ARCHIVED
    db.session.flush()
    sync(db.session, SEED, [seed.id], corpus.encoders)
    runtime.get_index()
    ranker = index.rankers[SEED]
    row = ranker.row_of[seed.id]
    assert not ranker.active[row]
    assert ranker.lexical.postings["char"][:, row].nnz == 0
    assert "太陽光" not in ranker.lexical.word.vocabulary_
    assert "太陽光" not in ranker.lexical.char.vocabulary_


def test_a_large_corpus_refits_only_after_a_tenth_changed(app, encoders, monkeypatch):
    index = MatchIndex(encoders, runtime.matching_config(runtime.config_path(app)))
    refits = []
    monkeypatch.setattr(index, "refit_lexical", lambda: refits.append(1))
    monkeypatch.setattr("matchmaker.matching.index.REFIT_ALWAYS_BELOW", 10)
    for ranker, size in ((index.rankers[NEED], 40), (index.rankers[SEED], 60)):
        ranker.docs = [None] * size
    index.changed_since_fit = {NEED: 5, SEED: 4}
    index._maybe_refit()
    assert refits == []
    index.changed_since_fit[SEED] = 5
    index._maybe_refit()
    assert refits == [1]
