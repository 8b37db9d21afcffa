"""Ranking metrics against known pairings (qrels): nDCG@k, MRR@k, Recall@k, accuracy@1."""

from __future__ import annotations

import math


def ndcg_at_k(ranked: list, relevant: set, k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal if ideal else 0.0


def mrr_at_k(ranked: list, relevant: set, k: int = 10) -> float:
    for i, doc in enumerate(ranked[:k]):
        if doc in relevant:
            return 1.0 / (i + 1)
    return 0.0


def recall_at_k(ranked: list, relevant: set, k: int = 10) -> float:
    return len(set(ranked[:k]) & relevant) / len(relevant) if relevant else 0.0


def evaluate(rankings: dict, qrels: dict[object, set], k: int = 10) -> dict[str, float]:
    """Mean metrics over the queries that have at least one known pairing."""
    queries = [q for q in qrels if qrels[q]]
    if not queries:
        return {f"ndcg@{k}": 0.0, f"mrr@{k}": 0.0, f"recall@{k}": 0.0, "queries": 0}
    n = len(queries)
    return {
        f"ndcg@{k}": sum(ndcg_at_k(rankings.get(q, []), qrels[q], k) for q in queries) / n,
        f"mrr@{k}": sum(mrr_at_k(rankings.get(q, []), qrels[q], k) for q in queries) / n,
        f"recall@{k}": sum(recall_at_k(rankings.get(q, []), qrels[q], k) for q in queries) / n,
        "queries": n,
    }
