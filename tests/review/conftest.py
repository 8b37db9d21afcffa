"""Review fixtures: the matching corpus (real encoders, fresh index) and a few helpers."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from tests.matching.conftest import (  # noqa: F401 (fixtures shared with the matcher's tests)
    corpus,
    encoders,
    english_pages,
    fresh_index,
)


@pytest.fixture
def coordinator(login_as):
    return login_as(Role.COORDINATOR)


def queue_url(need, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/needs/{need.id}/review-queue" + (f"?{query}" if query else "")


def decide(client, need, seed, action, version=0, reason="", **params):
    return client.post(
        f"/needs/{need.id}/review-queue/{seed.id}/decide",
        query_string=params,
        data={"action": action, "version": str(version), "reason": reason},
    )
