"""The hybrid ranker on a small fixed bilingual corpus, without the web app."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.matching.config import load_matching_config
from matchmaker.matching.documents import Doc, guess_language, split_sentences
from matchmaker.matching.filters import Filters
from matchmaker.matching.fusion import fuse, weights_for, zscore
from matchmaker.matching.lexical import LexicalScorer, cjk_char_ngrams
from matchmaker.matching.ranker import EmptyCorpus, HybridRanker

SEEDS = [
    Doc(
        "fall",
        "AI fall detection sensor",
        "A radar sensor detects falls of elderly people who live alone and alerts their family.",
        "en",
        ["elderly_care"],
        trl=7,
        org_kind="startup",
        ready_for_pilot=True,
        org_id=1,
    ),
    Doc(
        "fall-copy",
        "AI fall detection radar",
        "A radar sensor detects falls of elderly people living alone and alerts the family.",
        "en",
        ["elderly_care"],
        trl=4,
        org_kind="startup",
        org_id=1,
    ),
    Doc(
        "bus",
        "On-demand shuttle routing",
        "Software plans on-demand bus routes in the suburbs so residents without a car reach "
        "hospitals.",
        "en",
        ["mobility"],
        trl=8,
        org_kind="company",
        ready_for_pilot=True,
        org_id=2,
    ),
    Doc(
        "flood",
        "河川の洪水予測AI",
        "河川の水位と雨量から数時間先の洪水を予測し、住民に避難情報を配信します。",
        "ja",
        ["disaster_prevention"],
        trl=6,
        org_kind="university",
        org_id=3,
    ),
    Doc(
        "pay",
        "Cashless payment terminals for parks",
        "QR code and IC card payments at the ticket counters of public parks and museums.",
        "en",
        ["cashless"],
        trl=9,
        org_kind="company",
        org_id=4,
    ),
    Doc(
        "care",
        "介護記録の音声入力アプリ",
        "介護職員が話すだけで介護記録を作成できるアプリ。記録の時間を半分にします。",
        "ja",
        ["nursing_care_work"],
        trl=7,
        org_kind="startup",
        org_id=5,
    ),
]


@pytest.fixture(scope="module")
def ranker(encoders):
    weights = load_matching_config()["fusion"]["weights"]
    return HybridRanker(encoders, weights).build(SEEDS)


def ranked(ranker, query, **kwargs):
    return [m.id for m in ranker.rank(query, **kwargs)]


def test_clearly_relevant_seed_ranks_first(ranker):
    need = Doc(
        "n1",
        "Watching over older residents who live alone",
        "We want to know quickly when an elderly person living alone falls at home.",
        "en",
    )
    assert ranked(ranker, need, top_k=3)[0] in {"fall", "fall-copy"}


def test_japanese_need_finds_english_seed(ranker):
    need = Doc(
        "n2",
        "一人暮らしの高齢者の見守り",
        "自宅で高齢者が転倒したときに、家族にすぐ知らせる仕組みを探しています。",
        "ja",
    )
    assert ranked(ranker, need, top_k=2)[0] in {"fall", "fall-copy"}


def test_english_need_finds_japanese_seed(ranker):
    need = Doc(
        "n3",
        "Flood forecasting for rivers",
        "Predict river floods hours ahead from water levels and rainfall, and warn "
        "residents to evacuate.",
        "en",
    )
    assert ranked(ranker, need, top_k=1) == ["flood"]


def test_japanese_need_finds_japanese_seed_with_two_character_terms(ranker):
    need = Doc("n4", "介護記録の負担軽減", "介護現場の記録業務を減らしたい。", "ja")
    assert ranked(ranker, need, top_k=1) == ["care"]


def test_filters_narrow_before_the_cut(ranker):
    need = Doc("n5", "Elderly fall detection", "Detect falls of older people at home.", "en")
    assert ranked(ranker, need, top_k=2, filters=Filters(min_trl=6))[0] == "fall"
    assert "fall-copy" not in ranked(ranker, need, top_k=6, filters=Filters(min_trl=6))
    assert set(ranked(ranker, need, top_k=6, filters=Filters(policy_areas=["mobility"]))) == {"bus"}
    assert set(ranked(ranker, need, top_k=6, filters=Filters(languages=["ja"]))) == {
        "flood",
        "care",
    }
    ready = set(ranked(ranker, need, top_k=6, filters=Filters(ready_for_pilot=True)))
    assert ready == {"fall", "bus"}
    kinds = set(ranked(ranker, need, top_k=6, filters=Filters(org_kinds=["company"])))
    assert kinds == {"bus", "pay"}
    assert ranked(ranker, need, filters=Filters(min_trl=9, policy_areas=["mobility"])) == []


def test_mmr_pushes_a_near_duplicate_down(ranker):
    need = Doc("n6", "Elderly fall detection", "Detect falls of elderly people living alone.", "en")
    plain = ranked(ranker, need, top_k=3)
    diverse = ranked(ranker, need, top_k=3, diversity=0.7)
    assert set(plain[:2]) == {"fall", "fall-copy"}
    assert diverse[0] == plain[0] and diverse[1] not in {"fall", "fall-copy"}


def test_explanation_names_shared_terms_and_sentences(ranker):
    need = Doc(
        "n7",
        "Fall detection for elderly people",
        "Older people who live alone fall at home. We need a radar or camera-free sensor.",
        "en",
    )
    match = ranker.rank(need, top_k=1)[0]
    why = match.why
    assert any("fall" in term or "radar" in term for term in why.shared_terms)
    assert why.query_sentence and why.match_sentence
    assert sum(why.contributions.values()) == pytest.approx(1.0, abs=0.01)
    assert set(match.signals) == {"semantic", "multilingual", "lexical_word", "lexical_char"}
    assert "shared terms" in why.as_text()


def test_cross_language_explanation_pairs_sentences(ranker):
    need = Doc("n8", "高齢者の転倒検知", "一人暮らしの高齢者が転倒したら家族に知らせたい。", "ja")
    why = ranker.rank(need, top_k=1)[0].why
    assert why.query_sentence.startswith("高齢者") or "転倒" in why.query_sentence
    assert "fall" in why.match_sentence.lower()
    assert why.contributions.get("multilingual", 0) > 0.5


def test_upsert_and_remove_are_incremental(encoders):
    ranker = HybridRanker(encoders, {"multilingual": 1, "lexical_word": 1}).build(SEEDS[:3])
    before = ranker.vectors["multilingual"][:3].copy()
    ranker.upsert([SEEDS[4]])
    assert np.array_equal(ranker.vectors["multilingual"][:3], before)
    need = Doc("n9", "Cashless payments in parks", "Accept IC cards at park ticket counters.", "en")
    assert ranked(ranker, need, top_k=1) == ["pay"]
    ranker.remove(["pay"])
    assert "pay" not in ranked(ranker, need, top_k=5)


def test_empty_corpus_is_a_clear_error(encoders):
    ranker = HybridRanker(encoders, {"lexical_word": 1}).build([])
    with pytest.raises(EmptyCorpus):
        ranker.rank(Doc("q", "anything", "at all", "en"))


def test_zscore_and_cross_language_fusion():
    assert np.allclose(zscore(np.array([1.0, 1.0])), 0)
    signals = {"multilingual": np.array([0.1, 0.9, 0.5]), "lexical_word": np.array([1.0, 0, 0])}
    weights = {"en": {"multilingual": 1, "lexical_word": 1}, "ja": {"lexical_char": 1}}
    fused = fuse(signals, weights, "en", np.array(["en", "ja", "ja"], dtype=object))
    assert fused[1] > fused[2]  # cross-language rows ranked on the multilingual signal alone
    assert weights_for(weights, "ja") == {"lexical_char": 1.0}
    assert weights_for({"semantic": 1, "lexical_word": 3}, "ja")["lexical_word"] == 0.75


def test_japanese_text_helpers():
    assert guess_language("高齢者の見守りサービス") == "ja"
    assert guess_language("Watching over older people") == "en"
    assert "見守" in cjk_char_ngrams("見守り", 2, 2)
    assert split_sentences("一文目です。二文目です。") == ["一文目です。", "二文目です。"]
    scorer = LexicalScorer().fit(["防災訓練の実施", "介護記録の作成", "fall detection"])
    scores = scorer.scores(["防災"])["char"][0]
    assert scores.argmax() == 0 and scores[0] > 0


def test_weightless_signals_are_skipped_but_still_reported(ranker, monkeypatch):
    need = Doc("n10", "Elderly fall detection", "Detect falls of older people at home.", "en")
    ja_free = [d.id for d in SEEDS if d.language == "en"]
    english_only = ranker.rank(need, top_k=3, exclude={d.id for d in SEEDS if d.language == "ja"})
    assert english_only[0].id in ja_free
    # an English query over English seeds needs no multilingual matrix product
    languages = np.array(["en"] * 3, dtype=object)
    assert "multilingual" not in ranker.needed_signals("en", languages)
    assert "multilingual" in ranker.needed_signals("en", np.array(["en", "ja"], dtype=object))
    everything_weighted = set(ranker.vectors) | {"lexical_word", "lexical_char"}
    monkeypatch.setattr(type(ranker), "needed_signals", lambda self, *a: everything_weighted)
    everything = ranker.rank(need, top_k=3, exclude={d.id for d in SEEDS if d.language == "ja"})
    assert [m.id for m in everything] == [m.id for m in english_only]
    for skipped, full in zip(english_only, everything, strict=True):
        assert skipped.score == pytest.approx(full.score, abs=1e-5)
        assert skipped.signals.keys() == full.signals.keys()
        for name, value in full.signals.items():
            assert skipped.signals[name] == pytest.approx(value, abs=2e-3)


def test_vectors_are_kept_in_half_precision(ranker):
    assert all(m.dtype == np.float16 for m in ranker.vectors.values())


def test_lexical_postings_follow_appends_and_replacements():
    texts = ["flood warning sensor", "bus routing software", "flood map for rivers"]
    scorer = LexicalScorer().fit(texts)
    scorer.append(["river flood forecast"])
    scorer.replace_rows([1], ["flood shelter guide"])
    one = scorer.scores(["flood"])["word"][0]
    batch = scorer.scores(["flood", "bus"])["word"]
    assert np.allclose(one, batch[0])
    assert one.shape == (4,) and (one > 0).all()  # row 1 now mentions floods too
    assert batch[1].max() == 0  # nothing mentions buses any more
    assert scorer.word_matrix.shape == (4, len(scorer.word.vocabulary_))
