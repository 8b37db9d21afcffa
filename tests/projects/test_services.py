"""Project services: starting once, each party's part, preconditions, notices and audit."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.audit.models import AuditEvent
from matchmaker.calls.models import CallStatus
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.projects import parts, services
from matchmaker.projects.models import Kpi, KpiDirection, MilestoneStatus, ProjectStatus
from matchmaker.proposals.models import ProposalStatus
from tests.factories import make_user
from tests.projects.helpers import (
    PDF,
    make_member,
    make_project,
    make_selected_proposal,
    project_count,
)


def notices(user) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def actions(project) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "project", AuditEvent.object_id == project.id)
            .order_by(AuditEvent.id)
        )
    )


def test_department_starts_a_project_once_and_the_provider_hears():
    proposal = make_selected_proposal()
    member = make_user(Role.DEPARTMENT, org=proposal.call.organization)
    provider = make_user(Role.PROVIDER, org=proposal.organization)
    project, created = services.start_project(proposal, member)
    again, created_again = services.start_project(proposal, member)
    assert created and not created_again and again.id == project.id
    assert project_count() == 1
    assert project.department_org_id == proposal.call.organization_id
    assert project.provider_org_id == proposal.organization_id
    assert project.status is ProjectStatus.PLANNED and project.title == proposal.title
    assert "見守りセンサー" in project.search_text
    assert [n.kind for n in notices(provider)] == ["project_created"]
    assert notices(member) == []
    assert actions(project) == ["project_create"]


@pytest.mark.parametrize(
    "call_status, proposal_status",
    [
        (CallStatus.UNDER_EVALUATION, ProposalStatus.SELECTED),
        (CallStatus.DECIDED, ProposalStatus.NOT_SELECTED),
        (CallStatus.DECIDED, ProposalStatus.WAITLISTED),
    ],
)
def test_only_selected_proposals_of_decided_calls_start(call_status, proposal_status):
    proposal = make_selected_proposal(call_status=call_status, proposal_status=proposal_status)
    with pytest.raises(NotAllowed):
        services.start_project(proposal, make_user(Role.COORDINATOR))
    assert project_count() == 0


@pytest.mark.parametrize("role", [Role.DEPARTMENT, Role.PROVIDER, Role.REVIEWER])
def test_outsiders_and_the_provider_cannot_start(role):
    proposal = make_selected_proposal()
    with pytest.raises(NotAllowed):
        services.start_project(proposal, make_user(role))
    with pytest.raises(NotAllowed):
        services.start_project(proposal, make_user(Role.PROVIDER, org=proposal.organization))
    assert project_count() == 0


def test_start_needs_agreement_and_start_date(project, dept_user):
    with pytest.raises(DomainError):
        services.transition(project, "start", dept_user)
    services.update_agreement(
        project, dept_user, date(2026, 4, 1), date(2026, 4, 15), date(2026, 9, 30)
    )
    services.transition(project, "start", dept_user)
    assert project.status is ProjectStatus.RUNNING and project.started_at is not None


def test_agreement_pdf_and_date_order(project, dept_user, provider_user):
    with pytest.raises(DomainError):
        services.update_agreement(project, dept_user, None, date(2026, 5, 1), date(2026, 4, 1))
    services.update_agreement(
        project, dept_user, date(2026, 4, 1), None, None, (io.BytesIO(PDF), "協定.pdf")
    )
    assert project.agreement_attachment.original_name == "協定.pdf"
    assert [n.kind for n in notices(provider_user)] == ["project_changed"]
    with pytest.raises(NotAllowed):
        services.update_agreement(project, provider_user, date(2027, 1, 1), None, None)
    assert project.agreement_date == date(2026, 4, 1)


def test_complete_needs_a_final_report_written_by_the_provider():
    project = make_project(status=ProjectStatus.RUNNING)
    provider = make_member(project, "provider")
    department = make_member(project, "department")
    with pytest.raises(DomainError):
        services.transition(project, "complete", provider)
    with pytest.raises(NotAllowed):
        services.update_final_report(project, department, "Ours.")
    services.update_final_report(project, provider, "Falls found in minutes.")
    services.transition(project, "complete", provider)
    assert project.status is ProjectStatus.COMPLETED and project.completed_at is not None
    kinds = [n.kind for n in notices(department)]
    assert kinds == ["project_changed", "project_status"]
    with pytest.raises(IllegalTransition):  # the provider's part is frozen once completed
        services.update_final_report(project, provider, "Rewritten.")
    assert project.final_report == "Falls found in minutes."


def test_adoption_needs_a_reason():
    project = make_project(status=ProjectStatus.COMPLETED)
    department = make_member(project, "department")
    with pytest.raises(DomainError):
        services.transition(project, "not_adopt", department, reason="   ")
    assert project.status is ProjectStatus.COMPLETED
    services.transition(project, "not_adopt", department, reason="Too costly citywide.")
    assert project.status is ProjectStatus.NOT_ADOPTED
    assert project.adoption_reason == "Too costly citywide." and project.decided_at is not None
    assert "project_not_adopt" in actions(project)


def test_milestones_defined_by_department_reported_by_provider():
    project = make_project(status=ProjectStatus.RUNNING)
    department = make_member(project, "department")
    provider = make_member(project, "provider")
    milestone = parts.save_milestone(project, department, "Install sensors", date(2026, 5, 1))
    with pytest.raises(NotAllowed):
        parts.save_milestone(project, provider, "Ours", date(2026, 5, 1))
    with pytest.raises(NotAllowed):
        parts.report_milestone(project, department, milestone, MilestoneStatus.DONE, "", None)
    with pytest.raises(DomainError):  # done needs the day it was reached
        parts.report_milestone(project, provider, milestone, MilestoneStatus.DONE, "", None)
    parts.report_milestone(
        project,
        provider,
        milestone,
        MilestoneStatus.DONE,
        "50 homes equipped.",
        date(2026, 4, 28),
        (io.BytesIO(PDF), "photos.pdf"),
    )
    assert milestone.status is MilestoneStatus.DONE
    assert milestone.evidence_attachment.original_name == "photos.pdf"
    parts.remove_milestone(project, department, milestone)
    assert project.milestones == []


@pytest.mark.parametrize(
    "direction, target, actual, met",
    [
        (KpiDirection.INCREASE, 90, None, None),
        (KpiDirection.INCREASE, 90, 95, True),
        (KpiDirection.INCREASE, 90, 90, True),
        (KpiDirection.INCREASE, 90, 89.9, False),
        (KpiDirection.DECREASE, 10, 8, True),
        (KpiDirection.DECREASE, 10, 10, True),
        (KpiDirection.DECREASE, 10, 12, False),
        (KpiDirection.INCREASE, 0, 0, True),
    ],
)
def test_kpi_met_logic(direction, target, actual, met):
    assert Kpi(name="k", direction=direction, target=target, actual=actual).is_met is met


def test_kpis_defined_by_department_measured_by_provider():
    project = make_project(status=ProjectStatus.RUNNING)
    department = make_member(project, "department")
    provider = make_member(project, "provider")
    kpi = parts.save_kpi(project, department, "Response time", "min", KpiDirection.DECREASE, 30, 10)
    assert "response time" in project.search_text
    with pytest.raises(Conflict):
        parts.save_kpi(project, department, "Response time", "", KpiDirection.INCREASE, None, 1)
    with pytest.raises(DomainError):
        parts.save_kpi(project, department, "Bad", "", KpiDirection.INCREASE, None, float("nan"))
    with pytest.raises(NotAllowed):
        parts.save_kpi(project, provider, "Ours", "", KpiDirection.INCREASE, None, 1)
    with pytest.raises(NotAllowed):
        parts.record_kpi_actual(project, department, kpi, 8, date(2026, 6, 1))
    parts.record_kpi_actual(project, provider, kpi, 8, date(2026, 6, 1))
    assert kpi.is_met is True and kpi.measured_on == date(2026, 6, 1)
    assert [k.name for k in project.kpis] == ["Response time"]


def test_progress_update_with_attachments_is_all_or_nothing(app):
    project = make_project(status=ProjectStatus.RUNNING)
    provider = make_member(project, "provider")
    department = make_member(project, "department")
    with pytest.raises(DomainError):
        parts.add_update(
            project,
            provider,
            "Week 2",
            [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(b"GIF89a"), "b.pdf")],
        )
    assert project.updates == []
    update = parts.add_update(project, provider, "Week 2", [(io.BytesIO(PDF), "a.pdf")])
    assert [i.attachment.original_name for i in update.attachments] == ["a.pdf"]
    assert [n.kind for n in notices(department)] == ["project_changed"]
    with pytest.raises(NotAllowed):
        parts.add_update(project, department, "Not ours", [])


def test_planned_project_takes_no_provider_reports(project, provider_user):
    with pytest.raises(IllegalTransition):
        parts.add_update(project, provider_user, "Too early", [])
    assert project.updates == []


def test_staff_changes_reach_both_parties():
    project = make_project(status=ProjectStatus.RUNNING)
    department = make_member(project, "department")
    provider = make_member(project, "provider")
    parts.save_milestone(project, make_user(Role.COORDINATOR), "Review", date(2026, 7, 1))
    assert [n.kind for n in notices(department)] == ["project_changed"]
    assert [n.kind for n in notices(provider)] == ["project_changed"]
