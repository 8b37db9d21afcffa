"""Project routes × roles: parties and staff in, everyone else 404 (or the login page);
refused requests change nothing."""

from __future__ import annotations

from datetime import date

import pytest

from matchmaker.accounts.models import Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from matchmaker.projects.models import Project, ProjectStatus
from tests.factories import make_user
from tests.projects.helpers import make_member, make_project

VIEWERS = ("department", "provider", "coordinator", "admin")
OUTSIDERS = ("other_department", "other_provider", "reviewer")


def user_for(kind: str, project):
    if kind in ("department", "provider"):
        return make_member(project, kind)
    roles = {
        "coordinator": Role.COORDINATOR,
        "admin": Role.ADMIN,
        "other_department": Role.DEPARTMENT,
        "other_provider": Role.PROVIDER,
        "reviewer": Role.REVIEWER,
    }
    return make_user(roles[kind])


def snapshot(project_id: int) -> tuple:
    db.session.expire_all()
    p = db.session.get(Project, project_id)
    events = db.session.scalar(db.select(db.func.count()).select_from(AuditEvent))
    return (p.status, p.version, p.agreement_date, len(p.milestones), len(p.kpis), events)


@pytest.mark.parametrize("kind", VIEWERS + OUTSIDERS)
def test_project_page(client, login_as, kind):
    project = make_project(status=ProjectStatus.RUNNING)
    login_as(user=user_for(kind, project))
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == (200 if kind in VIEWERS else 404)
    if kind in VIEWERS:
        assert project.title.encode() in response.data


def test_anonymous_is_sent_to_login(client):
    project = make_project()
    response = client.get(f"/projects/{project.id}")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/projects").status_code == 302


def test_unknown_project_is_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/projects/999999").status_code == 404
    assert client.get("/projects/99999999999").status_code == 404


# (method, path template, form, who may: set of kinds), on a planned or running project
DEPT_FORMS = [
    ("/agreement", {"agreement_date": "2026-04-01", "starts_on": "2026-04-15"}),
    ("/milestones/new", {"title": "Install", "due_on": "2026-05-01"}),
    ("/kpis/new", {"name": "Falls", "direction": "increase", "target": "90"}),
]


@pytest.mark.parametrize("path, form", DEPT_FORMS)
@pytest.mark.parametrize("kind", ["provider", *OUTSIDERS])
def test_department_forms_refused_to_others(client, login_as, path, form, kind):
    project = make_project()
    login_as(user=user_for(kind, project))
    before = snapshot(project.id)
    response = client.post(f"/projects/{project.id}{path}", data=form)
    assert response.status_code == (403 if kind == "provider" else 404)
    assert client.get(f"/projects/{project.id}{path}").status_code in (403, 404)
    assert snapshot(project.id) == before


@pytest.mark.parametrize("path, form", DEPT_FORMS)
@pytest.mark.parametrize("kind", ["department", "coordinator", "admin"])
def test_department_forms_accepted_from_department_side(client, login_as, path, form, kind):
    project = make_project()
    login_as(user=user_for(kind, project))
    assert client.get(f"/projects/{project.id}{path}").status_code == 200
    response = client.post(f"/projects/{project.id}{path}", data=form)
    assert response.status_code == 302
    assert snapshot(project.id)[-1] == 1  # one audit event


PROVIDER_POSTS = [
    ("/final-report", {"final_report": "All done."}),
    ("/updates", {"body": "Week 1 went well."}),
]


@pytest.mark.parametrize("path, form", PROVIDER_POSTS)
@pytest.mark.parametrize("kind", ["department", *OUTSIDERS])
def test_provider_posts_refused_to_others(client, login_as, path, form, kind):
    project = make_project(status=ProjectStatus.RUNNING, final_report="")
    login_as(user=user_for(kind, project))
    before = snapshot(project.id)
    response = client.post(f"/projects/{project.id}{path}", data=form)
    assert response.status_code == (403 if kind == "department" else 404)
    assert snapshot(project.id) == before
    db.session.expire_all()
    assert db.session.get(Project, project.id).final_report == ""


@pytest.mark.parametrize("path, form", PROVIDER_POSTS)
@pytest.mark.parametrize("kind", ["provider", "coordinator"])
def test_provider_posts_accepted_from_provider_side(client, login_as, path, form, kind):
    project = make_project(status=ProjectStatus.RUNNING)
    login_as(user=user_for(kind, project))
    assert client.post(f"/projects/{project.id}{path}", data=form).status_code == 302
    assert snapshot(project.id)[-1] == 1


@pytest.mark.parametrize(
    "status, action, allowed",
    [
        (ProjectStatus.PLANNED, "start", {"department", "coordinator", "admin"}),
        (ProjectStatus.RUNNING, "complete", {"provider", "coordinator", "admin"}),
        (ProjectStatus.COMPLETED, "publish", {"department", "coordinator", "admin"}),
    ],
)
@pytest.mark.parametrize("kind", VIEWERS + OUTSIDERS)
def test_status_buttons(client, login_as, status, action, allowed, kind):
    project = make_project(
        status=status,
        agreement_date=date(2026, 4, 1),
        starts_on=date(2026, 4, 2),
        final_report="Report.",
        outcome="Outcome.",
    )
    login_as(user=user_for(kind, project))
    before = snapshot(project.id)
    response = client.post(f"/projects/{project.id}/{action}", data={})
    if kind in allowed:
        assert response.status_code == 302
        assert snapshot(project.id) != before
    else:
        assert response.status_code == (403 if kind in VIEWERS else 404)
        assert snapshot(project.id) == before


def test_post_without_csrf_is_refused(client, login_as):
    project = make_project(agreement_date=date(2026, 4, 1))
    login_as(user=make_member(project))
    before = snapshot(project.id)
    assert client.post(f"/projects/{project.id}/start", data={}, csrf=False).status_code == 400
    assert snapshot(project.id) == before


def test_list_shows_own_projects_only(client, login_as):
    mine = make_project(title="Our pilot")
    theirs = make_project(title="Their pilot")
    login_as(user=make_member(mine, "provider"))
    page = client.get("/projects").data
    assert b"Our pilot" in page and b"Their pilot" not in page
    login_as(Role.COORDINATOR)
    page = client.get("/projects").data
    assert b"Our pilot" in page and b"Their pilot" in page
    login_as(Role.REVIEWER)
    page = client.get("/projects").data
    assert b"Our pilot" not in page and theirs.title.encode() not in page
