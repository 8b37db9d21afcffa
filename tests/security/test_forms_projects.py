"""Hostile values in the project forms: milestones, KPIs, progress, reports, result, decision."""

from __future__ import annotations

import itertools
from datetime import date

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.projects.models import Kpi, Milestone, ProgressUpdate, Project, ProjectStatus
from tests.projects.helpers import make_member, make_project
from tests.security.helpers import Field, FormTarget, run_form
from tests.security.strategies import drop_nul

CATEGORY = "Forms: projects"
_n = itertools.count(1)


def newest(model, project):
    stmt = select(model).where(model.project_id == project.id).order_by(model.id.desc())
    return lambda response: db.session.scalars(stmt).first()


def target(client, project, url, payload, stored, fields, **kwargs) -> FormTarget:
    return FormTarget(
        CATEGORY,
        client,
        url=lambda: url,
        payload=payload,
        stored=stored,
        page=lambda obj: f"/projects/{project.id}",
        fields=fields,
        **kwargs,
    )


def test_department_forms(client, login_as):
    project = make_project(ProjectStatus.RUNNING)
    login_as(user=make_member(project, "department"))
    milestone_fields = [
        Field("title", limit=200, required=True, clean=drop_nul, shown=True),
        Field("due_on", kind="date", required=True),
    ]
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/milestones/new",
            lambda: {"title": "Install sensors", "due_on": "2026-06-01"},
            newest(Milestone, project),
            milestone_fields,
            before_each=lambda: clear(project.milestones),
        )
    )
    kpi_fields = [
        Field("name", limit=200, required=True, clean=drop_nul, unique=True, shown=True),
        Field("unit", limit=40, clean=drop_nul),
        Field("direction", kind="choice", choices=("increase", "decrease")),
        Field("baseline", kind="float", low=-1e15, high=1e15),
        Field("target", kind="float", low=-1e15, high=1e15, required=True),
    ]
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/kpis/new",
            lambda: {"name": f"Falls detected {next(_n)}", "direction": "increase", "target": "90"},
            newest(Kpi, project),
            kpi_fields,
            before_each=lambda: clear(project.kpis),
        )
    )


def clear(rows: list) -> None:
    """Projects hold at most 50 milestones and 30 KPIs: start each example with none."""
    rows.clear()
    db.session.flush()


def test_provider_forms(client, login_as):
    project = make_project(ProjectStatus.RUNNING)
    project.kpis = [Kpi(name="Falls detected", target=90)]
    project.milestones = [Milestone(title="Install", due_on=date(2026, 6, 1))]
    db.session.flush()
    login_as(user=make_member(project, "provider"))
    kpi, milestone = project.kpis[0], project.milestones[0]
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/kpis/{kpi.id}/actual",
            lambda: {"actual": "95", "measured_on": "2026-07-01"},
            lambda r: db.session.get(Kpi, kpi.id),
            [
                Field("actual", kind="float", low=-1e15, high=1e15, required=True),
                Field("measured_on", kind="date", required=True),
            ],
        )
    )
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/milestones/{milestone.id}/report",
            lambda: {"status": "pending", "evidence": ""},
            lambda r: db.session.get(Milestone, milestone.id),
            [
                Field("evidence", limit=20000, clean=drop_nul),
                Field("status", kind="choice", choices=("pending", "missed"), attr=""),
                Field("completed_on", kind="date", attr=""),
            ],
        )
    )
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/updates",
            dict,
            newest(ProgressUpdate, project),
            [Field("body", limit=20000, required=True, clean=drop_nul)],
        )
    )
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/final-report",
            dict,
            lambda r: db.session.get(Project, project.id),
            [Field("final_report", limit=20000, required=True, clean=drop_nul)],
        )
    )


def test_result_and_decision_forms(client, login_as):
    project = make_project(ProjectStatus.COMPLETED)
    login_as(user=make_member(project, "department"))
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/result",
            lambda: {"outcome": "Falls detected within minutes."},
            lambda r: db.session.get(Project, project.id),
            [
                Field("outcome", limit=20000, clean=drop_nul),
                Field("contact_name", limit=120, clean=drop_nul),
                Field("contact_email", limit=254, clean=drop_nul, strict=False),
            ],
        )
    )

    def completed():
        project.status = ProjectStatus.COMPLETED
        db.session.flush()

    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/decision",
            lambda: {"decision": "adopt", "reason": "It worked."},
            lambda r: db.session.get(Project, project.id),
            [
                Field("reason", limit=5000, required=True, clean=drop_nul, attr="adoption_reason"),
                Field("decision", kind="choice", choices=("adopt", "not_adopt"), attr=""),
            ],
            before_each=completed,
        )
    )


def test_agreement_form(client, login_as):
    project = make_project(ProjectStatus.PLANNED)
    login_as(user=make_member(project, "department"))
    run_form(
        target(
            client,
            project,
            f"/projects/{project.id}/agreement",
            lambda: {"agreement_date": "2026-04-01", "starts_on": "", "ends_on": ""},
            lambda r: db.session.get(Project, project.id),
            [
                Field("agreement_date", kind="date"),
                Field("starts_on", kind="date"),
                Field("ends_on", kind="date"),
            ],
        )
    )
