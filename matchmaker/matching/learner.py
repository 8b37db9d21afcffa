"""Learning from accept/reject decisions: a small model over the match signals re-ranks the
fused shortlist once enough labels exist; until then the tuned fusion order stands."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from matchmaker.matching.documents import Doc
from matchmaker.matching.evaluation import ndcg_at_k

SIGNALS = ("semantic", "multilingual", "lexical_word", "lexical_char")
FEATURES = (*SIGNALS, "policy_overlap", "trl_fit", "same_language")


class LearnerNotReady(RuntimeError):
    """Too few decisions (or too few of one kind) to trust a learned order."""


def policy_overlap(need: Doc | None, seed: Doc | None) -> float:
    """Jaccard overlap of the two policy-area sets (0 when either has none)."""
    a = set(need.policy_areas) if need else set()
    b = set(seed.policy_areas) if seed else set()
    return len(a & b) / len(a | b) if a and b else 0.0


def trl_fit(need: Doc | None, seed: Doc | None, min_trl: int | None = None) -> float:
    """1 when the seed's TRL reaches the need's minimum (`min_trl`, else the need Doc's `trl`)
    or either is unknown, else 0."""
    wanted = min_trl if min_trl is not None else (need.trl if need else None)
    offered = seed.trl if seed else None
    if not wanted or not offered:
        return 1.0
    return 1.0 if int(offered) >= int(wanted) else 0.0


def same_language(need: Doc | None, seed: Doc | None) -> float:
    if not need or not seed or not need.language or not seed.language:
        return 1.0
    return 1.0 if need.language == seed.language else 0.0


def features_for(
    need_doc: Doc | None, seed_doc: Doc | None, signals: Mapping, min_trl: int | None = None
) -> np.ndarray:
    """One feature row: the raw signal values (missing = 0) and the three pair facts."""
    values = [float((signals or {}).get(name) or 0.0) for name in SIGNALS]
    values += [
        policy_overlap(need_doc, seed_doc),
        trl_fit(need_doc, seed_doc, min_trl),
        same_language(need_doc, seed_doc),
    ]
    return np.asarray(values, dtype=np.float64)


@dataclass
class MatchLearner:
    """Standardised logistic regression with balanced classes over FEATURES."""

    min_labels: int = 40
    min_per_class: int = 10
    positives: int = 0
    negatives: int = 0
    model: Pipeline | None = field(default=None, repr=False)

    @classmethod
    def from_config(cls, config: Mapping | None) -> MatchLearner:
        options = dict((config or {}).get("learner") or {})
        return cls(
            min_labels=int(options.get("min_labels", 40)),
            min_per_class=int(options.get("min_per_class", 10)),
        )

    @property
    def ready(self) -> bool:
        return self.model is not None

    def enough(self, positives: int, negatives: int) -> bool:
        return (
            positives + negatives >= self.min_labels
            and min(positives, negatives) >= max(1, self.min_per_class)  # both classes
        )

    def fit(self, features: np.ndarray, accepted: Iterable[bool]) -> MatchLearner:
        """Fit when the labels suffice; otherwise stay unready (the fusion order is kept)."""
        y = np.asarray(list(accepted), dtype=bool)
        x = np.asarray(features, dtype=np.float64).reshape(len(y), len(FEATURES))
        self.positives, self.negatives = int(y.sum()), int((~y).sum())
        self.model = None
        if self.enough(self.positives, self.negatives):
            self.model = make_pipeline(
                StandardScaler(),
                LogisticRegression(class_weight="balanced", max_iter=1000),
            ).fit(x, y)
        return self

    def fit_pairs(self, pairs: Iterable[tuple]) -> MatchLearner:
        """Fit from (need doc, seed doc, signals, accepted[, need's min TRL]) tuples."""
        pairs = list(pairs)
        rows = [features_for(p[0], p[1], p[2], p[4] if len(p) > 4 else None) for p in pairs]
        x = np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))
        return self.fit(x, [bool(p[3]) for p in pairs])

    def score(self, features: np.ndarray) -> np.ndarray:
        """Probability that each pair would be accepted."""
        if self.model is None:
            raise LearnerNotReady(
                f"{self.positives} accepted and {self.negatives} rejected decisions: need "
                f"{self.min_labels} in all and {self.min_per_class} of each"
            )
        x = np.asarray(features, dtype=np.float64).reshape(-1, len(FEATURES))
        return self.model.predict_proba(x)[:, 1]

    def rerank(
        self,
        need_doc: Doc | None,
        matches: list,
        seeds: Mapping | None = None,
        min_trl: int | None = None,
    ) -> list:
        """The matches (with .id and .signals) in the learner's order, or unchanged while it
        is not ready; `seeds` maps ids to Docs for the pair facts."""
        if self.model is None or len(matches) < 2:
            return list(matches)
        seeds = seeds or {}
        x = np.vstack(
            [features_for(need_doc, seeds.get(m.id), m.signals, min_trl) for m in matches]
        )
        order = np.argsort(-self.score(x), kind="stable")
        return [matches[i] for i in order]


def need_doc_of(need) -> Doc:
    """The facts of a Need row the features use."""
    return Doc(
        id=need.id,
        title=need.title,
        body="",
        language=need.language,
        policy_areas=need.policy_areas,
    )


def seed_doc_of(seed) -> Doc:
    return Doc(
        id=seed.id,
        title=seed.title,
        body="",
        language=seed.language,
        policy_areas=seed.policy_areas,
        trl=seed.trl,
        ready_for_pilot=seed.ready_for_pilot,
    )


def train_from_decisions(session, config: Mapping | None = None) -> MatchLearner:
    """A learner fitted on every recorded MatchDecision (unready while labels are too few)."""
    from sqlalchemy import select

    from matchmaker.matching.models import MatchDecision
    from matchmaker.needs.models import Need
    from matchmaker.seeds.models import Seed

    if config is None:
        from matchmaker.matching.config import load_matching_config

        config = load_matching_config()
    rows = session.execute(
        select(MatchDecision, Need, Seed)
        .join(Need, Need.id == MatchDecision.need_id)
        .join(Seed, Seed.id == MatchDecision.seed_id)
        .order_by(MatchDecision.id)
    ).all()
    pairs = [
        (need_doc_of(n), seed_doc_of(s), decision.signals or {}, decision.accepted, n.min_trl)
        for decision, n, s in rows
    ]
    return MatchLearner.from_config(config).fit_pairs(pairs)


def _fold_pairs(needs, candidates, qrels, negatives: int):
    pairs = []
    for need in needs:
        relevant = qrels.get(need.id, set())
        ranked = candidates.get(need.id, [])
        if not relevant:
            continue
        pairs += [(need, m, True) for m in ranked if m.id in relevant]
        pairs += [(need, m, False) for m in ranked if m.id not in relevant][:negatives]
    return pairs


def cross_validate(
    needs: list[Doc],
    candidates: Mapping[object, list],
    qrels: Mapping[object, set],
    seeds: Mapping | None = None,
    config: Mapping | None = None,
    negatives: int = 20,
    depth: int = 50,
    k: int = 10,
) -> dict:
    """Known pairings as simulated decisions: train on even-indexed needs, re-rank the fused
    top `depth` of odd-indexed ones (and the other way round); nDCG@k of fusion vs learner.
    `candidates` holds each need's fused ranking (Match objects with signals), best first."""
    halves = {"even": needs[0::2], "odd": needs[1::2]}
    seeds = seeds or {}
    folds = []
    for train, evaluate in (("even", "odd"), ("odd", "even")):
        pairs = _fold_pairs(halves[train], candidates, qrels, negatives)
        learner = MatchLearner.from_config(config).fit_pairs(
            (need, seeds.get(m.id), m.signals, label) for need, m, label in pairs
        )
        judged = [n for n in halves[evaluate] if qrels.get(n.id)]
        fusion, learned = [], []
        for need in judged:
            shortlist = list(candidates.get(need.id, []))[:depth]
            fusion.append(ndcg_at_k([m.id for m in shortlist], qrels[need.id], k))
            reranked = learner.rerank(need, shortlist, seeds)
            learned.append(ndcg_at_k([m.id for m in reranked], qrels[need.id], k))
        folds.append(
            {
                "train": train,
                "evaluate": evaluate,
                "train_pairs": len(pairs),
                "train_positives": sum(1 for p in pairs if p[2]),
                "learner_ready": learner.ready,
                "queries": len(judged),
                f"fusion_ndcg@{k}": float(np.mean(fusion)) if fusion else 0.0,
                f"learner_ndcg@{k}": float(np.mean(learned)) if learned else 0.0,
            }
        )
    return {
        "folds": folds,
        f"fusion_ndcg@{k}": float(np.mean([f[f"fusion_ndcg@{k}"] for f in folds])),
        f"learner_ndcg@{k}": float(np.mean([f[f"learner_ndcg@{k}"] for f in folds])),
        "negatives_per_need": negatives,
        "rerank_depth": depth,
    }
