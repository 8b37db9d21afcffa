"""Hostile-input tests: hypothesis profiles, fake encoders, and the report written at the end.

`make test` runs these with the small `security-default` profile; `make security` passes
`--hypothesis-profile=security` and MATCHMAKER_SECURITY_REPORT=bench/security.md.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from matchmaker.matching import runtime
from tests.conftest import TEST_DATABASE_URL
from tests.security.report import REPORT

_SUPPRESS = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
settings.register_profile(
    "security-default",
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SUPPRESS,
)
settings.register_profile(
    "security", max_examples=150, deadline=None, database=None, suppress_health_check=_SUPPRESS
)


class FakeEncoder:
    """Constant unit vectors: saving a need or seed encodes it without loading real models."""

    dim = 4

    def __init__(self, name: str):
        self.name = name

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        vectors = np.ones((len(texts), self.dim), dtype=np.float32)
        return vectors / 2.0


@pytest.fixture(autouse=True)
def fake_matcher(app, monkeypatch):
    """Hundreds of hostile saves would each run the real encoders; the matcher is not the
    subject here. The in-memory index is dropped before and after (it would hold fake vectors)."""
    path = runtime.config_path(app)
    signals = runtime.matching_config(path)["encoders"]
    monkeypatch.setitem(runtime._encoders, path, {s: FakeEncoder(f"fake-{s}") for s in signals})
    monkeypatch.delitem(runtime._failures, path, raising=False)
    runtime.reset_index(app)
    yield
    runtime.reset_index(app)


@pytest.fixture(autouse=True)
def english_pages(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


@pytest.fixture
def report():
    return REPORT


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    """A fresh upload folder three levels down, so `../..` from it lands inside tmp_path."""
    folder = tmp_path / "a" / "b" / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture
def draft(client, login_as):
    """A provider signed in, with a draft proposal on an open call."""
    from matchmaker.accounts.models import OrgKind, Role
    from tests.factories import make_org
    from tests.proposals.helpers import make_call, make_proposal

    user = login_as(Role.PROVIDER)
    return make_proposal(make_call(make_org(OrgKind.DEPARTMENT)), user)


def pytest_runtest_logreport(report):
    """Count this package's test outcomes for the report's verdict."""
    if "tests/security/" not in report.nodeid.replace("\\", "/"):
        return
    if report.when == "call" or report.outcome != "passed":
        REPORT.tests[report.outcome] += 1


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("MATCHMAKER_SECURITY_REPORT")
    if not path or not REPORT.counts:
        return
    name = settings.get_current_profile_name()
    profile = "security-default" if name == "default" else name
    database = "PostgreSQL" if TEST_DATABASE_URL.startswith("postgresql") else "SQLite"
    REPORT.write(path, profile, int(exitstatus), database)
