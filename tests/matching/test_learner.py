"""The learner: refuses to re-rank on too few decisions, learns when it has them, and its
offline evaluation reports both cross-validation folds."""

from __future__ import annotations

import numpy as np
import pytest

from matchmaker.extensions import db
from matchmaker.matching.config import load_matching_config
from matchmaker.matching.documents import Doc
from matchmaker.matching.learner import (
    FEATURES,
    LearnerNotReady,
    MatchLearner,
    cross_validate,
    features_for,
    train_from_decisions,
)
from matchmaker.matching.models import MatchDecision
from matchmaker.matching.ranker import Match
from tests.factories import make_need, make_seed

NEED = Doc("n", "need", "", "ja", ["elderly_care", "health"])


def toy(n_pos: int, n_neg: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Accepted pairs have a high semantic score, rejected ones a low one; the rest is noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 0.1, size=(n_pos + n_neg, len(FEATURES)))
    x[:n_pos, 0] += 0.5
    y = np.array([True] * n_pos + [False] * n_neg)
    return x, y


def match(i: int, semantic: float, lexical: float) -> Match:
    return Match(f"s{i}", 0.0, {"semantic": semantic, "multilingual": 0.3, "lexical_word": lexical})


def test_features_hold_signals_and_pair_facts():
    seed = Doc("s", "seed", "", "en", ["health", "mobility"], trl=4)
    row = features_for(NEED, seed, {"semantic": 0.5, "lexical_char": 0.25}, min_trl=5)
    assert dict(zip(FEATURES, row, strict=True)) == {
        "semantic": 0.5,
        "multilingual": 0.0,
        "lexical_word": 0.0,
        "lexical_char": 0.25,
        "policy_overlap": pytest.approx(1 / 3),
        "trl_fit": 0.0,
        "same_language": 0.0,
    }
    assert features_for(NEED, seed, {}, min_trl=4)[FEATURES.index("trl_fit")] == 1.0
    unknown = Doc("u", "unknown trl", "", "ja")
    assert features_for(NEED, unknown, {}, min_trl=7)[FEATURES.index("trl_fit")] == 1.0
    assert features_for(NEED, unknown, {})[FEATURES.index("same_language")] == 1.0


@pytest.mark.parametrize(("n_pos", "n_neg"), [(15, 24), (5, 60), (60, 9)])
def test_refuses_to_rerank_below_min_labels(n_pos, n_neg):
    x, y = toy(n_pos, n_neg)
    learner = MatchLearner(min_labels=40, min_per_class=10).fit(x, y)
    assert not learner.ready
    fused = [match(0, 0.1, 0.9), match(1, 0.9, 0.1), match(2, 0.5, 0.5)]
    assert learner.rerank(NEED, fused) == fused  # the fusion order is kept
    with pytest.raises(LearnerNotReady, match="need 40 in all and 10 of each"):
        learner.score(x)


def test_learns_a_separable_problem_and_reranks():
    x, y = toy(30, 30)
    learner = MatchLearner(min_labels=40, min_per_class=10).fit(x, y)
    assert learner.ready
    held_x, held_y = toy(20, 20, seed=1)
    predicted = learner.score(held_x) > 0.5
    assert (predicted == held_y).mean() >= 0.95
    fused = [match(0, 0.2, 0.9), match(1, 0.35, 0.3), match(2, 0.85, 0.1)]
    assert [m.id for m in learner.rerank(NEED, fused)] == ["s2", "s1", "s0"]


def test_thresholds_come_from_the_configuration():
    learner = MatchLearner.from_config(load_matching_config())
    options = load_matching_config()["learner"]
    assert (learner.min_labels, learner.min_per_class) == (
        options["min_labels"],
        options["min_per_class"],
    )
    assert MatchLearner.from_config({}).min_labels == 40


def test_cross_validation_reports_both_folds():
    rng = np.random.default_rng(3)
    needs = [Doc(f"n{i}", "", "") for i in range(12)]
    candidates, qrels = {}, {}
    for need in needs:
        # the fused order puts the relevant seed 5th; its semantic score gives it away
        ranked = [match(j, rng.uniform(0.1, 0.4), rng.uniform(0.5, 0.9)) for j in range(30)]
        ranked[4] = match(4, rng.uniform(0.7, 0.9), 0.2)
        candidates[need.id] = ranked
        qrels[need.id] = {"s4"}
    config = {"learner": {"min_labels": 20, "min_per_class": 3}}
    result = cross_validate(needs, candidates, qrels, config=config, negatives=5)
    assert [(f["train"], f["evaluate"]) for f in result["folds"]] == [
        ("even", "odd"),
        ("odd", "even"),
    ]
    for fold in result["folds"]:
        assert fold["learner_ready"]
        assert fold["queries"] == 6
        assert fold["train_pairs"] == 36 and fold["train_positives"] == 6
        assert fold["fusion_ndcg@10"] == pytest.approx(1 / np.log2(6))
        assert fold["learner_ndcg@10"] == pytest.approx(1.0)
    assert result["learner_ndcg@10"] > result["fusion_ndcg@10"]


def test_cross_validation_keeps_fusion_when_labels_are_too_few():
    needs = [Doc(f"n{i}", "", "") for i in range(4)]
    candidates = {n.id: [match(j, 0.5 - j / 100, 0.1) for j in range(10)] for n in needs}
    qrels = {n.id: {"s3"} for n in needs}
    result = cross_validate(needs, candidates, qrels, config={}, negatives=3)
    assert not any(f["learner_ready"] for f in result["folds"])
    assert result["learner_ndcg@10"] == result["fusion_ndcg@10"]


def decide(need, seed, accepted: bool, semantic: float) -> None:
    db.session.add(
        MatchDecision(
            need_id=need.id,
            seed_id=seed.id,
            accepted=accepted,
            signals={"semantic": semantic, "multilingual": 0.4, "lexical_word": 0.1},
        )
    )


def test_train_from_decisions_reads_the_recorded_decisions():
    config = {"learner": {"min_labels": 12, "min_per_class": 4}}
    needs = [make_need(min_trl=5) for _ in range(3)]
    seeds = [make_seed(trl=3 + i) for i in range(6)]
    for i, need in enumerate(needs[:1]):
        for j, seed in enumerate(seeds[:5]):
            decide(need, seed, j < 2, 0.8 if j < 2 else 0.2 + i / 100)
    db.session.flush()
    too_few = train_from_decisions(db.session, config)
    assert not too_few.ready and (too_few.positives, too_few.negatives) == (2, 3)

    for need in needs[1:]:
        for j, seed in enumerate(seeds):
            decide(need, seed, j % 2 == 0, 0.8 if j % 2 == 0 else 0.2)
    db.session.flush()
    learner = train_from_decisions(db.session, config)
    assert learner.ready and (learner.positives, learner.negatives) == (8, 9)
    good, bad = match(0, 0.85, 0.1), match(1, 0.15, 0.1)
    assert [m.id for m in learner.rerank(NEED, [bad, good])] == ["s0", "s1"]
