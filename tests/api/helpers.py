"""API test helpers: a world of two departments and two providers, tokens, JSON requests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from matchmaker.accounts.models import OrgKind, Role, User
from matchmaker.api import tokens
from matchmaker.calls.models import Call, CallCriterion, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.projects.models import Kpi, Milestone, Project, ProjectStatus
from matchmaker.proposals.models import Proposal, ProposalStatus
from matchmaker.seeds.models import SeedStatus
from tests.factories import make_need, make_org, make_seed, make_user

ROLES = (
    "anonymous",
    "provider",
    "other_provider",
    "department",
    "other_department",
    "coordinator",
    "reviewer",
)

NEED_BODY = {
    "title": "Flood sensors for riverside wards",
    "summary": "Early warnings for residents near small rivers.",
    "policy_areas": ["disaster_prevention"],
    "sdg_goals": [11],
    "budget_min": 1_000_000,
    "budget_max": 5_000_000,
    "language": "en",
}
SEED_BODY = {
    "title": "Water level radar",
    "summary": "A cheap radar gauge that reports every minute.",
    "trl": 7,
    "policy_areas": ["disaster_prevention"],
    "keywords": ["radar", "flood"],
    "language": "en",
}
PROPOSAL_BODY = {
    "title": "Radar gauges on ten bridges",
    "approach": "Mount gauges and feed the ward's alert system.",
    "pilot_plan": "Three months on ten bridges.",
    "schedule": "April to June.",
    "budget_amount": 3_000_000,
    "budget_currency": "JPY",
    "team": "Two engineers.",
    "links": ["https://example.org/radar"],
}


def token_for(user: User, lifetime_days: int | None = 90) -> str:
    return tokens.create_token(user, f"test {user.id}", lifetime_days).plain


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def make_call(department, need=None, status=CallStatus.OPEN, **fields) -> Call:
    now = utcnow()
    call = Call(
        need=need or make_need(org=department),
        organization_id=department.id,
        status=status,
        title=fields.pop("title", "Flood warning call"),
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=7),
        published_at=None if status is CallStatus.DRAFT else now,
        **fields,
    )
    call.criteria = [CallCriterion(position=1, name="Impact", weight=1)]
    db.session.add(call)
    db.session.flush()
    return call


def make_proposal(call, org, user, status=ProposalStatus.DRAFT, **fields) -> Proposal:
    values = {k: v for k, v in PROPOSAL_BODY.items() if k != "links"}
    values.update(fields)
    proposal = Proposal(call=call, organization=org, created_by_id=user.id, status=status, **values)
    if status is not ProposalStatus.DRAFT:
        proposal.submitted_at = utcnow()
    db.session.add(proposal)
    db.session.flush()
    return proposal


def make_result(department, provider_org, provider_user, published=True) -> Project:
    """A finished project with a selected proposal, a KPI and a milestone."""
    call = make_call(department, status=CallStatus.DECIDED, title="Decided call")
    proposal = make_proposal(call, provider_org, provider_user, ProposalStatus.SELECTED)
    project = Project(
        proposal=proposal,
        call=call,
        need=call.need,
        department_org_id=department.id,
        provider_org_id=provider_org.id,
        status=ProjectStatus.ADOPTED,
        title="Elderly watch pilot",
        summary="Sensors in 50 homes.",
        outcome="Falls detected within minutes.",
        adoption_reason="It worked.",
        contact_name="Watch office",
        contact_email="watch@example.org",
        starts_on=date(2026, 4, 1),
        ends_on=date(2026, 9, 30),
        published_at=utcnow() if published else None,
        search_text="elderly watch pilot",
    )
    project.kpis = [Kpi(name="Detected falls", unit="%", target=90, actual=95)]
    project.milestones = [Milestone(title="Install", due_on=date(2026, 5, 1))]
    db.session.add(project)
    db.session.flush()
    return project


@dataclass
class World:
    users: dict
    tokens: dict
    department: object
    provider_org: object
    need: object
    draft_need: object
    call: object
    draft_call: object
    seed: object
    draft_seed: object
    proposal: object
    result: object
    hidden_result: object


def build_world() -> World:
    department = make_org(OrgKind.DEPARTMENT)
    provider_org = make_org(OrgKind.STARTUP)
    users = {
        "anonymous": None,
        "provider": make_user(Role.PROVIDER, org=provider_org),
        "other_provider": make_user(Role.PROVIDER),
        "department": make_user(Role.DEPARTMENT, org=department),
        "other_department": make_user(Role.DEPARTMENT),
        "coordinator": make_user(Role.COORDINATOR),
        "reviewer": make_user(Role.REVIEWER),
    }
    need = make_need(org=department)
    call = make_call(department, need=need)
    provider = users["provider"]
    world = World(
        users=users,
        tokens={role: token_for(u) if u else None for role, u in users.items()},
        department=department,
        provider_org=provider_org,
        need=need,
        draft_need=make_need(org=department, status=NeedStatus.DRAFT, title="Draft need"),
        call=call,
        draft_call=make_call(department, status=CallStatus.DRAFT, title="Draft call"),
        seed=make_seed(org=provider_org),
        draft_seed=make_seed(org=provider_org, status=SeedStatus.DRAFT, title="Draft seed"),
        proposal=make_proposal(call, provider_org, provider),
        result=make_result(department, provider_org, provider),
        hidden_result=make_result(department, provider_org, provider, published=False),
    )
    return world
