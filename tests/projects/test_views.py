"""Project pages end to end: start from a proposal, both parties' forms, uploads, publication."""

from __future__ import annotations

import io
from datetime import date

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.projects.models import Project, ProjectStatus
from tests.factories import make_user
from tests.projects.helpers import (
    DEFAULT_KPIS,
    PDF,
    make_member,
    make_project,
    make_selected_proposal,
    project_count,
)


def reload(project_id: int) -> Project:
    db.session.expire_all()
    return db.session.get(Project, project_id)


def test_start_button_and_double_post_make_one_project(client, login_as):
    proposal = make_selected_proposal()
    member = make_user(Role.DEPARTMENT, org=proposal.call.organization)
    login_as(user=make_user(Role.PROVIDER, org=proposal.organization))
    assert b"Start demonstration project" not in client.get(f"/proposals/{proposal.id}").data
    login_as(user=member)
    page = client.get(f"/proposals/{proposal.id}")
    assert b"Start demonstration project" in page.data
    first = client.post(f"/proposals/{proposal.id}/project", data={})
    second = client.post(f"/proposals/{proposal.id}/project", data={})
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert project_count() == 1
    project = db.session.scalars(db.select(Project)).one()
    assert first.location.endswith(f"/projects/{project.id}")
    page = client.get(f"/proposals/{proposal.id}")
    assert b"Start demonstration project" not in page.data
    assert f"/projects/{project.id}".encode() in page.data


def test_outsider_cannot_start_from_a_proposal(client, login_as):
    proposal = make_selected_proposal()
    login_as(Role.DEPARTMENT)
    assert client.post(f"/proposals/{proposal.id}/project", data={}).status_code == 404
    login_as(user=make_user(Role.PROVIDER, org=proposal.organization))
    assert client.post(f"/proposals/{proposal.id}/project", data={}).status_code == 403
    assert client.post("/proposals/999999/project", data={}).status_code == 404
    assert project_count() == 0


def test_lifecycle_over_http(client, login_as):
    project = make_project()
    department, provider = make_member(project), make_member(project, "provider")
    base = f"/projects/{project.id}"

    login_as(user=department)
    page = client.get(base).data
    assert b"Edit agreement and dates" in page and b"Write the final report" not in page
    agreement = {
        "agreement_date": "2026-04-01",
        "starts_on": "2026-04-15",
        "ends_on": "2026-09-30",
        "agreement_file": (io.BytesIO(PDF), "agreement.pdf"),
    }
    assert client.post(f"{base}/agreement", data=agreement).status_code == 302
    milestone = {"title": "Install sensors", "due_on": "2026-05-01"}
    assert client.post(f"{base}/milestones/new", data=milestone).status_code == 302
    kpi = {"name": "Response time", "unit": "min", "direction": "decrease", "target": "10"}
    assert client.post(f"{base}/kpis/new", data=kpi).status_code == 302
    assert client.post(f"{base}/start", data={}).status_code == 302
    assert reload(project.id).status is ProjectStatus.RUNNING

    login_as(user=provider)
    p = reload(project.id)
    milestone_id, kpi_id = p.milestones[0].id, p.kpis[0].id
    page = client.get(base).data
    assert b"Edit agreement and dates" not in page and b"Post the update" in page
    report = {"status": "done", "completed_on": "2026-04-28", "evidence": "50 homes."}
    assert client.post(f"{base}/milestones/{milestone_id}/report", data=report).status_code == 302
    actual = {"actual": "12", "measured_on": "2026-06-01"}
    assert client.post(f"{base}/kpis/{kpi_id}/actual", data=actual).status_code == 302
    assert b"Not met" in client.get(base).data
    actual = {"actual": "8", "measured_on": "2026-06-30"}
    assert client.post(f"{base}/kpis/{kpi_id}/actual", data=actual).status_code == 302
    final = {"final_report": "Falls answered in 8 minutes."}
    assert client.post(f"{base}/final-report", data=final).status_code == 302
    assert client.post(f"{base}/complete", data={}).status_code == 302

    login_as(user=department)
    decision = {"decision": "adopt", "reason": "Rolled out to all wards."}
    assert client.post(f"{base}/decision", data=decision).status_code == 302
    result = {"outcome": "Falls answered in 8 minutes.", "contact_email": "m@example.org"}
    assert client.post(f"{base}/result", data=result).status_code == 302
    assert client.post(f"{base}/publish", data={}).status_code == 302

    p = reload(project.id)
    assert p.status is ProjectStatus.ADOPTED and p.is_public
    assert p.agreement_date == date(2026, 4, 1) and p.agreement_attachment is not None
    assert p.kpis[0].is_met is True and p.milestones[0].completed_on == date(2026, 4, 28)
    page = client.get(base).data.decode()
    for text in ("Met", "Rolled out to all wards.", "Unpublish", "agreement.pdf", "Adopted"):
        assert text in page


def test_kpi_table_shows_met_and_not_met(client, login_as):
    project = make_project(status=ProjectStatus.COMPLETED, kpis=DEFAULT_KPIS)
    login_as(Role.COORDINATOR)
    page = client.get(f"/projects/{project.id}").data.decode()
    assert page.count("kpi-met") == 1 and page.count("kpi-not-met") == 1
    assert "Higher is better" in page and "Lower is better" in page


def test_bad_input_rerenders_and_changes_nothing(client, login_as, project, dept_user):
    login_as(user=dept_user)
    base = f"/projects/{project.id}"
    bad_kpi = {"name": "", "direction": "sideways", "target": "nan"}
    response = client.post(f"{base}/kpis/new", data=bad_kpi)
    assert response.status_code == 422 and b"This field is required" in response.data
    bad_dates = {"agreement_date": "yesterday", "starts_on": "2026-05-01", "ends_on": "2026-04-01"}
    assert client.post(f"{base}/agreement", data=bad_dates).status_code == 422
    client.post(f"{base}/kpis/new", data={"name": "Falls", "target": "1"})
    duplicate = client.post(f"{base}/kpis/new", data={"name": "Falls", "target": "2"})
    assert duplicate.status_code == 409 and b"already has a KPI" in duplicate.data
    p = reload(project.id)
    assert [k.target for k in p.kpis] == [1.0] and p.agreement_date is None
    assert client.get(f"{base}/kpis/99999/edit").status_code == 404


def test_update_with_pdf_is_downloadable_by_parties_only(client, login_as):
    project = make_project(status=ProjectStatus.RUNNING)
    provider = make_member(project, "provider")
    login_as(user=provider)
    data = {"body": "Week 3: all sensors online.", "files": [(io.BytesIO(PDF), "week3.pdf")]}
    assert client.post(f"/projects/{project.id}/updates", data=data).status_code == 302
    attachment = reload(project.id).updates[0].attachments[0].attachment
    url = f"/projects/{project.id}/files/{attachment.id}"
    assert b"week3.pdf" in client.get(f"/projects/{project.id}").data
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert "attachment" in download.headers["Content-Disposition"]
    login_as(user=make_member(project))
    assert client.get(url).status_code == 200
    for role in (Role.REVIEWER, Role.PROVIDER):
        login_as(role)
        assert client.get(url).status_code == 404
    login_as(user=provider)
    assert client.get(f"/projects/{project.id}/files/{attachment.id + 999}").status_code == 404


def test_non_pdf_update_is_refused_and_nothing_is_posted(client, login_as):
    project = make_project(status=ProjectStatus.RUNNING)
    login_as(user=make_member(project, "provider"))
    data = {"body": "Week 4", "files": [(io.BytesIO(b"MZ\x90\x00"), "virus.pdf")]}
    response = client.post(f"/projects/{project.id}/updates", data=data)
    assert response.status_code == 422 and b"not a PDF" in response.data
    assert reload(project.id).updates == []


def test_publication_rules_over_http(client, login_as):
    project = make_project(status=ProjectStatus.RUNNING, outcome="Promising.")
    login_as(user=make_member(project))
    assert client.post(f"/projects/{project.id}/publish", data={}).status_code == 409
    done = make_project(status=ProjectStatus.COMPLETED)
    login_as(user=make_member(done))
    assert client.post(f"/projects/{done.id}/publish", data={}).status_code == 400
    assert reload(project.id).published_at is None and reload(done.id).published_at is None
    published = make_project(status=ProjectStatus.NOT_ADOPTED, published=True)
    login_as(user=make_member(published))
    assert client.post(f"/projects/{published.id}/unpublish", data={}).status_code == 302
    assert not reload(published.id).is_public


def test_dashboard_links_to_projects(client, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/dashboard")
    assert page.status_code == 200 and b"My projects" in page.data
