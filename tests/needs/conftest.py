"""Shared helpers for the needs tests: actors, valid form data, needs made through the service."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import AccountStatus, OrgKind, Role
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs import services
from matchmaker.needs.models import Need, NeedStatus
from tests.factories import make_org, make_user

ACTORS = ("anonymous", "provider", "reviewer", "other_department", "owner", "coordinator", "admin")


def valid_form(**overrides) -> dict:
    """A complete create/edit form; pass key=None to leave a field out."""
    data = {
        "title": "防災情報の多言語配信",
        "summary": "災害時に外国人住民へ避難情報を届ける仕組みを探しています。",
        "problem": "区の防災メールは日本語のみで、在住外国人に届いていない。",
        "desired_outcome": "避難所情報を10言語で配信する。",
        "constraints": "個人情報は都内のサーバーに保存すること。",
        "policy_areas": ["disaster_prevention", "international"],
        "sdg_goals": ["11", "13"],
        "budget_min": "1000000",
        "budget_max": "5000000",
        "demo_site": "新宿区の避難所",
        "timeline": "2027年4月から6か月",
        "contact_name": "防災 太郎",
        "contact_email": "bousai@example.org",
        "language": "ja",
        "title_translated": "Multilingual disaster information",
        "summary_translated": "Deliver evacuation information to foreign residents.",
        "min_trl": "5",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def sign_in(login_as, actor: str, org):
    """Sign in as one of ACTORS relative to the department `org` that owns the need."""
    if actor == "anonymous":
        return None
    if actor == "owner":
        return login_as(Role.DEPARTMENT, org=org)
    if actor == "other_department":
        return login_as(Role.DEPARTMENT)
    return login_as(Role(actor))


def new_need(user=None, status: NeedStatus = NeedStatus.DRAFT, **fields) -> Need:
    """Create a need through the service (so search_text is the real one), then set its status."""
    user = user or make_user(Role.DEPARTMENT, org=make_org(OrgKind.DEPARTMENT))
    data = services.NeedData(
        title=fields.pop("title", "高齢者の見守りサービス"),
        summary=fields.pop("summary", "一人暮らしの高齢者を地域で見守る。"),
        policy_areas=list(fields.pop("policy_areas", ["elderly_care"])),
        **fields,
    )
    need = services.create_need(user, data)
    if status is not NeedStatus.DRAFT:
        need.status = status
        now = utcnow()
        need.submitted_at = now
        if status in (NeedStatus.PUBLISHED, NeedStatus.CLOSED, NeedStatus.ARCHIVED):
            need.published_at = now
        db.session.flush()
    return need


@pytest.fixture
def department():
    return make_org(OrgKind.DEPARTMENT, name="都市整備局")


@pytest.fixture
def owner_user(department):
    return make_user(Role.DEPARTMENT, org=department)


@pytest.fixture
def pending_owner(department):
    return make_user(Role.DEPARTMENT, org=department, status=AccountStatus.PENDING)
