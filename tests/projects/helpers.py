"""Project test helpers: a decided call, its selected proposal and a project, built directly."""

from __future__ import annotations

from datetime import date, timedelta

from matchmaker.accounts.models import OrgKind, Role, User
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.projects.models import (
    FINISHED_PROJECT_STATUSES,
    Kpi,
    KpiDirection,
    Project,
    ProjectStatus,
)
from matchmaker.projects.services import refresh_search_text
from matchmaker.proposals.models import Proposal, ProposalStatus
from tests.factories import make_need, make_org, make_user

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

DEFAULT_KPIS = (
    {"name": "Falls detected", "unit": "%", "baseline": 40, "target": 90, "actual": 95},
    {
        "name": "Response time",
        "unit": "min",
        "direction": KpiDirection.DECREASE,
        "baseline": 30,
        "target": 10,
        "actual": 12,
    },
)


def make_selected_proposal(
    department=None,
    provider=None,
    policy_areas=None,
    call_status: CallStatus = CallStatus.DECIDED,
    proposal_status: ProposalStatus = ProposalStatus.SELECTED,
) -> Proposal:
    """A selected proposal of a decided call on a published need of `department`."""
    department = department or make_org(OrgKind.DEPARTMENT)
    provider = provider or make_org(OrgKind.STARTUP)
    need_kwargs = {"policy_areas": tuple(policy_areas)} if policy_areas is not None else {}
    need = make_need(org=department, **need_kwargs)
    now = utcnow()
    call = Call(
        need=need,
        organization_id=department.id,
        status=call_status,
        title="高齢者見守りの公募",
        opens_at=now - timedelta(days=30),
        closes_at=now - timedelta(days=10),
        decided_at=now if call_status is CallStatus.DECIDED else None,
    )
    proposal = Proposal(
        call=call,
        organization=provider,
        status=proposal_status,
        title="見守りセンサーの実証",
        approach="Sensors in 50 homes report falls to the ward office.",
        submitted_at=now - timedelta(days=12),
        decided_at=now,
    )
    db.session.add_all([call, proposal])
    db.session.flush()
    return proposal


def make_project(
    status: ProjectStatus = ProjectStatus.PLANNED,
    published: bool = False,
    kpis=None,
    policy_areas=None,
    **fields,
) -> Project:
    """A project in `status` with the fields that status implies; kpis: dicts of Kpi fields.

    Pass kpis=DEFAULT_KPIS for one met and one unmet KPI. `published=True` fills the public part.
    Parties: project.department / project.provider; members via make_member(project, "provider").
    """
    status = ProjectStatus(status)
    proposal = make_selected_proposal(
        department=fields.pop("department", None),
        provider=fields.pop("provider", None),
        policy_areas=policy_areas,
    )
    now = utcnow()
    values = {
        "title": proposal.title,
        "summary": proposal.approach,
        "language": "ja",
    }
    if status is not ProjectStatus.PLANNED:
        values.update(
            agreement_date=date(2026, 4, 1),
            starts_on=date(2026, 4, 15),
            ends_on=date(2026, 9, 30),
            started_at=now,
        )
    if status in FINISHED_PROJECT_STATUSES:
        values.update(final_report="Falls were detected within minutes.", completed_at=now)
    if status in (ProjectStatus.ADOPTED, ProjectStatus.NOT_ADOPTED):
        values.update(adoption_reason="Decided after the pilot review.", decided_at=now)
    if published:
        values.update(
            outcome="Falls were detected within minutes in 50 homes.",
            contact_name="見守り推進課",
            contact_email="mimamori@example.org",
            published_at=now,
        )
    values.update(fields)
    project = Project(
        proposal=proposal,
        call=proposal.call,
        need=proposal.call.need,
        department_org_id=proposal.call.organization_id,
        provider=proposal.organization,
        status=status,
        **values,
    )
    project.kpis = [Kpi(**dict(k)) for k in (kpis or ())]
    db.session.add(project)
    refresh_search_text(project)
    db.session.flush()
    return project


def make_member(project: Project, party: str = "department") -> User:
    """An active user of the project's department ("department") or provider ("provider")."""
    if party == "department":
        return make_user(Role.DEPARTMENT, org=project.department)
    return make_user(Role.PROVIDER, org=project.provider)


def project_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Project))
