"""Dashboard fixtures: the matcher replaced by a fake so pages render without loading models."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matchmaker.matching.services import MatchItem, MatchResult


def item(record, score: float) -> MatchItem:
    return MatchItem(record=record, score=score, signals={}, why=None)


@pytest.fixture
def matcher(monkeypatch):
    """`matcher.needs[seed_id]` / `matcher.seeds[need_id]`: the records each ranking returns;
    `matcher.down = True` makes every ranking unavailable; `matcher.calls` records the calls."""
    fake = SimpleNamespace(needs={}, seeds={}, down=False, calls=[])

    def rank(kind, table):
        def _rank(record, filters=None, diversify=False, top_k=10):
            fake.calls.append((kind, record.id, top_k))
            if fake.down:
                return MatchResult(unavailable="models missing")
            return MatchResult(items=list(table.get(record.id, []))[:top_k])

        return _rank

    monkeypatch.setattr(
        "matchmaker.matching.services.rank_needs_for_seed", rank("seed", fake.needs)
    )
    monkeypatch.setattr(
        "matchmaker.matching.services.rank_seeds_for_need", rank("need", fake.seeds)
    )
    return fake
