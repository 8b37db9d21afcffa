"""Shared data for the open-data tests: the committed sample feeds and a published result."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from matchmaker.accounts.models import OrgKind
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.matching import runtime
from matchmaker.projects.models import (
    Kpi,
    KpiDirection,
    Milestone,
    MilestoneStatus,
    Project,
    ProjectStatus,
)
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_need, make_org

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "challenge-gov"
OPEN_FEED = FEEDS / "feed-open.json"
CLOSED_FEED = FEEDS / "feed-closed-30.json"


def make_result(
    *,
    published: bool = True,
    status: ProjectStatus = ProjectStatus.ADOPTED,
    title: str = "Fall sensors for elderly residents",
) -> Project:
    """A finished project with a KPI and a milestone, built directly from the models."""
    department = make_org(OrgKind.DEPARTMENT)
    provider = make_org(OrgKind.STARTUP)
    need = make_need(org=department)
    now = utcnow()
    call = Call(
        need=need,
        organization=department,
        status=CallStatus.DECIDED,
        title="Call for fall sensors",
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=30),
    )
    proposal = Proposal(
        call=call,
        organization=provider,
        status=ProposalStatus.SELECTED,
        title="Our sensor",
        approach="PRIVATE-APPROACH-TEXT",
    )
    project = Project(
        proposal=proposal,
        call=call,
        need=need,
        department_org_id=department.id,
        provider_org_id=provider.id,
        status=status,
        title=title,
        summary="Radar sensors in 50 homes",
        outcome="Falls were noticed within 2 minutes",
        adoption_reason="Worked well",
        final_report="PRIVATE-FINAL-REPORT",
        contact_name="Results desk",
        contact_email="results@city.example.jp",
        published_at=now if published else None,
    )
    project.kpis = [
        Kpi(
            name="Response minutes",
            unit="min",
            direction=KpiDirection.DECREASE,
            target=5,
            actual=2,
            baseline=30,
        )
    ]
    project.milestones = [
        Milestone(title="Install sensors", due_on=date(2026, 1, 10), status=MilestoneStatus.DONE)
    ]
    db.session.add(project)
    db.session.flush()
    return project


class FakeEncoder:
    """Deterministic vectors, so tests see what gets encoded without loading real models."""

    dim = 4

    def __init__(self, name: str):
        self.name = name
        self.texts: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.texts.extend(texts)
        vectors = np.ones((len(texts), self.dim), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def fake_encoders(app, monkeypatch):
    """Replace the configured encoders for one test (monkeypatch restores the real ones)."""
    path = runtime.config_path(app)
    signals = runtime.matching_config(path)["encoders"]
    fakes = {signal: FakeEncoder(f"fake-{signal}") for signal in signals}
    monkeypatch.setitem(runtime._encoders, path, fakes)
    monkeypatch.delitem(runtime._failures, path, raising=False)
    return fakes
