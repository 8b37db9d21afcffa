"""Centred cosines for dense signals, and the tuning that chooses them, on small made-up vectors."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.matching import dense, tuning
from matchmaker.matching.config import load_matching_config
from matchmaker.matching.documents import Doc
from matchmaker.matching.evaluation import ndcg_at_k
from matchmaker.matching.fusion import CENTRE_MIN_ROWS, Centring, centred_for, centred_signals
from matchmaker.matching.ranker import HybridRanker

DIM = 16


class NoEncoder:
    """Vectors are given to the ranker; encoding anything here would be a bug."""

    name, dim = "stub", DIM

    def encode(self, texts, batch_size=32):
        raise AssertionError("the test gave every vector")


def unit(v):
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def corpus(rows: int = 30, seed: int = 0):
    """Rows sharing one large component; row 0 is about topic 1 and not typical, row 1 is very
    typical and only a little about topic 1."""
    rng = np.random.default_rng(seed)
    shared, basis = np.eye(DIM)[0], np.eye(DIM)
    vectors = [unit(0.6 * shared + basis[1]), unit(4 * shared + 0.3 * basis[1])]
    for i in range(rows - 2):
        vectors.append(unit(3 * shared + 0.5 * basis[2 + i % 10] + 0.05 * rng.normal(size=DIM)))
    docs = [Doc(f"s{i}", f"seed {i}", "plain words", "en") for i in range(rows)]
    return docs, np.array(vectors, dtype=np.float32)


QUERY = unit(2 * np.eye(DIM)[0] + np.eye(DIM)[1])


def explicit(matrix, query):
    """The centred cosine written out: mean removed from both sides, rows normalised."""
    rows = dense.as_float32(dense.stored(matrix))
    mean = rows.mean(axis=0)
    return (rows - mean) @ (query - mean) / np.linalg.norm(rows - mean, axis=1)


def test_centring_equals_the_written_out_centred_cosine():
    _, matrix = corpus()
    stored = dense.stored(matrix)
    centring = Centring(stored)
    raw = dense.as_float32(stored) @ QUERY
    assert np.allclose(centring.apply(raw, QUERY), explicit(matrix, QUERY), atol=1e-4)
    queries = np.vstack([QUERY, unit(np.eye(DIM)[3] + np.eye(DIM)[0])])
    batch = centring.apply(queries @ dense.as_float32(stored).T, queries)
    assert np.allclose(batch[1], explicit(matrix, queries[1]), atol=1e-4)


def test_centring_prefers_the_specific_row_over_the_typical_one():
    _, matrix = corpus()
    raw = matrix @ QUERY
    assert raw.argmax() == 1  # the raw cosine rewards the row that looks like every row
    assert Centring(dense.stored(matrix)).apply(raw, QUERY).argmax() == 0


def ranker_for(docs, matrix, centred):
    encoders = {"semantic": NoEncoder()}
    weights = {"en": {"semantic": 1.0}, "ja": {"semantic": 1.0}}
    return HybridRanker(encoders, weights, centred=centred).build(docs, {"semantic": matrix})


def rank_ids(ranker, language="en"):
    query = Doc("q", "query", "plain words", language)
    matches = ranker.rank(query, top_k=3, query_vectors={"semantic": QUERY}, explain=False)
    return [m.id for m in matches], matches


def test_ranker_ranks_on_centred_cosines_and_shows_raw_ones():
    docs, matrix = corpus()
    ids, matches = rank_ids(ranker_for(docs, matrix, {"en": ["semantic"]}))
    assert ids[0] == "s0"
    raw = float(dense.as_float32(dense.stored(matrix))[0] @ QUERY)
    assert matches[0].signals["semantic"] == pytest.approx(raw, abs=1e-3)
    assert rank_ids(ranker_for(docs, matrix, {}))[0][0] == "s1"


def test_centring_follows_the_query_language():
    docs, matrix = corpus()
    ranker = ranker_for(docs, matrix, {"en": ["semantic"], "ja": []})
    assert rank_ids(ranker, "en")[0][0] == "s0"
    assert rank_ids(ranker, "ja")[0][0] == "s1"


def test_small_corpus_is_not_centred_until_it_has_enough_rows():
    docs, matrix = corpus(rows=CENTRE_MIN_ROWS + 10)
    few = CENTRE_MIN_ROWS - 1
    ranker = ranker_for(docs[:few], matrix[:few], {"en": ["semantic"]})
    assert ranker.centring == {}
    ranker.upsert(docs[few:], {"semantic": matrix[few:]})
    assert set(ranker.centring) == {"semantic"}
    assert rank_ids(ranker)[0][0] == "s0"


def test_upserted_rows_use_the_estimated_mean_until_the_corpus_doubles():
    docs, matrix = corpus(rows=60)
    ranker = ranker_for(docs[:30], matrix[:30], {"en": ["semantic"]})
    mean = ranker.centring["semantic"].mean.copy()
    changed = Doc("s5", "seed 5", "new words", "en")
    ranker.upsert([changed, *docs[30:40]], {"semantic": matrix[[1, *range(30, 40)]]})
    centring = ranker.centring["semantic"]
    assert np.array_equal(centring.mean, mean) and len(centring.offset) == 40
    fresh = Centring.__new__(Centring)
    fresh.mean, fresh.mean_sq = mean, float(mean @ mean)
    offset, norm = fresh.row_terms(ranker.vectors["semantic"])
    assert np.allclose(centring.offset, offset) and np.allclose(centring.norm, norm)
    ranker.upsert(docs[40:], {"semantic": matrix[40:]})  # 60 rows: twice the 30 it was built on
    assert not np.array_equal(ranker.centring["semantic"].mean, mean)


def test_centred_configuration_reading():
    config = {"en": ["semantic"], "ja": [], "default": ["multilingual"]}
    assert centred_for(config, "en") == {"semantic"}
    assert centred_for(config, "ja") == {"multilingual"}  # empty: falls back to the default
    assert centred_for(["semantic"], "ja") == {"semantic"}
    assert centred_for(None, "en") == set()
    assert centred_signals(config) == {"semantic", "multilingual"}


def test_shipped_configuration_centres_only_known_dense_signals():
    fusion = load_matching_config()["fusion"]
    centred = fusion.get("centred", {})
    assert set(centred) <= set(fusion["weights"])
    assert centred_signals(centred) <= set(load_matching_config()["encoders"])


def test_tuning_ndcg_matches_the_evaluation_module():
    rng = np.random.default_rng(1)
    fused = rng.normal(size=(5, 40))
    rel = rng.random((5, 40)) < 0.08
    rel[1:, [3, 17]] = True  # every need but the first has pairings
    rel[0] = False
    got = tuning.per_need_ndcg(fused, rel)
    assert np.isnan(got[0])
    for i in range(1, 5):
        ranked = list(np.argsort(-fused[i], kind="stable")[:10])
        assert got[i] == pytest.approx(ndcg_at_k(ranked, set(np.flatnonzero(rel[i])), 10))


def test_tuning_candidates_list_each_weight_ratio_once_with_and_without_centring():
    found = tuning.candidates("en")
    centrings = {c for _, c in found}
    assert centrings == {(), ("semantic",)}
    ratios = [round(w["semantic"] / (w["semantic"] + w["lexical_word"]), 3) for w, c in found]
    assert len(ratios) == len(set(zip(ratios, [c for _, c in found], strict=True)))
    assert 0.0 in ratios and 1.0 in ratios


def test_tuning_chooses_the_signal_that_finds_the_pairs():
    rng = np.random.default_rng(2)
    needs, seeds = 12, 60
    rel = np.zeros((needs, seeds), dtype=bool)
    rel[np.arange(needs), np.arange(needs)] = True
    good = rng.normal(size=(needs, seeds)) + 4 * rel
    noise = rng.normal(size=(needs, seeds))
    z = {
        "semantic": tuning.zscores(noise),
        "semantic/centred": tuning.zscores(good),
        "lexical_word": tuning.zscores(noise),
    }
    result = tuning.cross_validate(z, rel, "en")
    for half in ("even", "odd", "all"):
        assert result[half]["centred"] == ["semantic"]
        assert result[half]["weights"]["semantic"] > 0.9
    assert result["even"]["scores"]["odd"] > 0.9  # held out, still right


def test_served_index_and_bench_ranker_take_the_configured_centring():
    from matchmaker.matching.bench_models import new_ranker
    from matchmaker.matching.index import MatchIndex

    config = {"fusion": {"weights": {"semantic": 1.0}, "centred": {"en": ["semantic"]}}}
    encoders = {"semantic": NoEncoder()}
    index = MatchIndex(encoders, config)
    assert all(r.centred == {"en": ["semantic"]} for r in index.rankers.values())
    assert new_ranker(config, encoders).centred == {"en": ["semantic"]}
    assert MatchIndex(encoders, {"fusion": {"weights": {}}}).rankers["need"].centred == {}
