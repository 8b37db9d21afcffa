"""Shared helpers for the calls tests: a fixed clock, actors, calls built directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import Call, CallCriterion, CallStatus
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.notifications.models import Follow, Notification
from tests.factories import make_need, make_org, make_user

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 12:00 in Tokyo
ACTORS = ("anonymous", "provider", "reviewer", "other_department", "owner", "coordinator", "admin")
MANAGERS = {"owner", "coordinator", "admin"}
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_call(
    need=None,
    status: CallStatus = CallStatus.OPEN,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    title: str = "見守りセンサーの実証公募",
    weights: tuple[int, ...] = (30, 70),
    **fields,
) -> Call:
    need = need or make_need(org=make_org(OrgKind.DEPARTMENT))
    opens_at = opens_at or NOW - timedelta(days=1)
    closes_at = closes_at or NOW + timedelta(days=10)
    call = Call(
        need=need,
        organization_id=need.organization_id,
        status=status,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        search_text=title,
        **fields,
    )
    if status is not CallStatus.DRAFT:
        call.published_at = opens_at - timedelta(days=1)
    call.criteria = [
        CallCriterion(position=i, name=f"Criterion {i}", weight=w)
        for i, w in enumerate(weights, start=1)
    ]
    db.session.add(call)
    db.session.flush()
    return call


def follow(user, subject_type: str, subject_id: int) -> None:
    db.session.add(Follow(user_id=user.id, subject_type=subject_type, subject_id=subject_id))
    db.session.flush()


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    rows = db.session.query(Notification).filter_by(user_id=user.id).all()
    return [n for n in rows if kind is None or n.kind == kind]


def sign_in(login_as, actor: str, org):
    """Sign in as one of ACTORS relative to the department `org` that owns the call."""
    if actor == "anonymous":
        return None
    if actor == "owner":
        return login_as(Role.DEPARTMENT, org=org)
    if actor == "other_department":
        return login_as(Role.DEPARTMENT)
    return login_as(Role(actor))


@pytest.fixture
def department():
    return make_org(OrgKind.DEPARTMENT, name="福祉局")


@pytest.fixture
def owner(department):
    return make_user(Role.DEPARTMENT, org=department)


@pytest.fixture
def need(department):
    return make_need(org=department, status=NeedStatus.PUBLISHED)
