"""Demo data for demonstration projects: a running project on the decided call and finished
projects with published results, all made through the project services at past moments."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from matchmaker.audit.models import AuditEvent
from matchmaker.calls.models import Call, CallStatus
from matchmaker.db import utcnow
from matchmaker.demo.services import demo_data, load_demo_data
from matchmaker.extensions import db
from matchmaker.notifications.models import Notification
from matchmaker.projects.models import (
    FINISHED_PROJECT_STATUSES,
    Kpi,
    Milestone,
    MilestoneStatus,
    ProgressUpdate,
    Project,
    ProjectStatus,
)
from matchmaker.proposals.models import ProposalStatus
from matchmaker.uploads.services import upload_dir

S = ProjectStatus


@pytest.fixture
def loaded():
    assert load_demo_data() is not None


def projects() -> list[Project]:
    return list(db.session.scalars(select(Project).order_by(Project.id)))


def published() -> list[Project]:
    return [p for p in projects() if p.is_public]


def is_pdf(attachment) -> bool:
    data = (upload_dir() / attachment.storage_name).read_bytes()
    return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")


def test_demo_results_are_published_bilingual_and_varied(client, loaded):
    results = published()
    assert len(results) >= 3 and all(p.status in FINISHED_PROJECT_STATUSES for p in results)
    assert {"ja", "en"} <= {p.language for p in results}
    assert len({frozenset(p.need.policy_areas) for p in results}) >= 3
    assert {S.ADOPTED, S.NOT_ADOPTED} <= {p.status for p in results}
    verdicts = []
    for project in results:
        assert project.outcome and project.contact_name and "@" in project.contact_email
        assert project.final_report and project.adoption_reason
        assert project.proposal.status is ProposalStatus.SELECTED
        assert project.call.status is CallStatus.DECIDED
        assert len(project.kpis) >= 3 and all(k.actual is not None for k in project.kpis)
        verdicts += [k.is_met for k in project.kpis]
        assert any(m.status is MilestoneStatus.DONE and m.evidence for m in project.milestones)
    assert True in verdicts and False in verdicts  # some targets met, some not
    page = client.get("/results?lang=ja").get_data(as_text=True)
    assert all(p.title in page for p in results)
    response = client.get(f"/results/{results[0].id}?lang=en")
    assert response.status_code == 200
    assert results[0].kpis[0].name in response.get_data(as_text=True)


def test_demo_elderly_result_is_found_through_the_policy_area_filter(client, loaded):
    elderly = [p for p in published() if "elderly_care" in p.need.policy_areas]
    adopted = [p for p in elderly if p.status is S.ADOPTED]
    assert adopted and "見守り" in adopted[0].title + adopted[0].need.title
    others = [p for p in published() if "elderly_care" not in p.need.policy_areas]
    assert others
    page = client.get("/results?area=elderly_care&lang=ja").get_data(as_text=True)
    assert adopted[0].title in page
    assert all(p.title not in page for p in others)
    searched = client.get("/results?q=見守り&lang=ja").get_data(as_text=True)
    assert adopted[0].title in searched
    not_adopted = next(p for p in published() if p.status is S.NOT_ADOPTED)
    assert not_adopted.language == "en" and not_adopted.adoption_reason
    detail = client.get(f"/results/{not_adopted.id}?lang=en").get_data(as_text=True)
    assert not_adopted.contact_name in detail


def test_demo_decided_call_has_a_running_project(client, loaded, login_as):
    running = [p for p in projects() if p.status is S.RUNNING]
    assert len(running) == 1
    project = running[0]
    recent = utcnow().date().toordinal() - project.call.decided_at.date().toordinal()
    assert project.call.status is CallStatus.DECIDED and recent < 30
    assert project.proposal.status is ProposalStatus.SELECTED
    assert project.agreement_date and project.starts_on < project.ends_on
    assert is_pdf(project.agreement_attachment)
    statuses = [m.status for m in project.milestones]
    assert MilestoneStatus.DONE in statuses and MilestoneStatus.PENDING in statuses
    assert all(m.evidence and m.completed_on for m in project.milestones if m.completed_on)
    assert any(m.evidence_attachment and is_pdf(m.evidence_attachment) for m in project.milestones)
    measured = [k for k in project.kpis if k.actual is not None]
    assert len(project.kpis) >= 3 and 0 < len(measured) < len(project.kpis)
    assert len(project.updates) >= 2 and any(u.attachments for u in project.updates)
    assert not project.published_at and client.get(f"/results/{project.id}").status_code == 404
    provider = next(u for u in project.provider.members if u.role.value == "provider")
    login_as(user=provider)
    response = client.get(f"/projects/{project.id}?lang=ja")
    assert response.status_code == 200
    assert project.kpis[0].name in response.get_data(as_text=True)


def test_demo_projects_went_through_the_workflow_at_past_moments(loaded):
    now = utcnow()
    specs = demo_data()["projects"]
    assert len(projects()) == len(specs)
    names = list(db.session.scalars(select(AuditEvent.action)))
    assert names.count("project_create") == names.count("project_start") == len(specs)
    finished = sum("complete_day" in s for s in specs)
    assert names.count("project_complete") == finished >= 3
    assert names.count("project_publish") == sum("publish_day" in s for s in specs)
    assert names.count("project_adopt") >= 1 and names.count("project_not_adopt") >= 1
    for project in projects():
        assert project.created_at <= project.started_at < now
        assert project.created_at.date() >= project.call.decided_at.date()
        if project.status in FINISHED_PROJECT_STATUSES:
            assert project.started_at < project.completed_at < project.decided_at
            assert project.decided_at < project.published_at < now
        for update in project.updates:
            assert project.started_at <= update.created_at < now
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert {"project_created", "project_status", "project_changed"} <= kinds
    assert all(
        n.created_at < now
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "project_status")
        )
    )


def test_loading_twice_keeps_one_copy_of_the_projects(loaded):
    models = (Project, Milestone, Kpi, ProgressUpdate, Call)
    before = {m: db.session.scalar(select(func.count()).select_from(m)) for m in models}
    assert load_demo_data() is None
    assert {m: db.session.scalar(select(func.count()).select_from(m)) for m in models} == before
