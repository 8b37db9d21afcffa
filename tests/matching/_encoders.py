"""The configured encoders loaded once per test session into the command-line tools' cache."""

from __future__ import annotations

import pytest

from matchmaker.matching.bench_models import load_encoders, matching_config


@pytest.fixture(scope="session")
def cli_models():
    """Later `matchmaker rank` / `bench` calls in this process reuse these models."""
    return load_encoders(matching_config())
