"""A result page: problem, solution, KPI chart and table, outcome, decision, contacts."""

from __future__ import annotations

import re
from datetime import date

import pytest

from matchmaker.extensions import db
from matchmaker.projects.models import Milestone, MilestoneStatus, ProjectStatus
from tests.results.helpers import make_result


def page(client, project) -> str:
    response = client.get(f"/results/{project.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_detail_shows_every_public_part(client):
    project = make_result(
        status=ProjectStatus.ADOPTED,
        adoption_reason="Adopted in all 23 wards from April.",
        final_report="INTERNAL FINAL REPORT",
    )
    project.need.problem = "Older people living alone fall and nobody notices."
    project.milestones = [
        Milestone(
            title="Sensors installed",
            due_on=date(2026, 5, 1),
            status=MilestoneStatus.DONE,
            completed_on=date(2026, 4, 28),
            evidence="PRIVATE EVIDENCE NOTE",
        ),
        Milestone(title="Mid-term review", due_on=date(2026, 7, 1), status=MilestoneStatus.MISSED),
    ]
    db.session.flush()
    html = page(client, project)
    assert "見守りセンサーの実証" in html  # title
    assert "高齢者の見守り" in html  # the need's title: the problem
    assert "Older people living alone fall and nobody notices." in html
    assert "Sensors in 50 homes report falls to the ward office." in html  # the solution
    assert "Falls were detected within minutes in 50 homes." in html  # outcome
    assert "The department decided to adopt the solution." in html
    assert "Adopted in all 23 wards from April." in html
    assert "見守り推進課" in html and 'href="mailto:mimamori@example.org"' in html
    assert "Sensors installed" in html and "Mid-term review" in html
    assert "Missed" in html and "Done" in html
    assert project.department.name in html and project.provider.name in html
    assert f'href="/needs/{project.need_id}"' in html
    assert 'href="/results?area=elderly_care"' in html
    # private parts of the project stay private
    assert "INTERNAL FINAL REPORT" not in html
    assert "PRIVATE EVIDENCE NOTE" not in html


def test_kpi_table(client):
    html = page(client, make_result())
    table = html.split('<table class="table kpis">')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 2
    assert "Falls detected" in rows[0] and ">90<" in rows[0] and ">95<" in rows[0]
    assert ">Met<" in rows[0] and "higher is better" in rows[0]
    assert "Response time" in rows[1] and ">Not met<" in rows[1] and "lower is better" in rows[1]


def test_kpi_chart_is_accessible_server_svg(client):
    project = make_result(
        kpis=[
            {"name": "Falls detected", "unit": "%", "baseline": 40, "target": 90, "actual": 95},
            {"name": "Calls answered", "unit": "%", "target": 80, "actual": 60},
            {"name": "Cost per home", "unit": "JPY", "target": 5000},
        ]
    )
    response = client.get(f"/results/{project.id}")
    html = response.get_data(as_text=True)
    svg = re.search(r"<svg[^>]*>.*?</svg>", html, re.S).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="kpi-chart-title kpi-chart-desc"' in svg
    assert '<title id="kpi-chart-title">KPIs against their targets</title>' in svg
    assert '<desc id="kpi-chart-desc">1 of 3 KPIs met their target.' in svg
    assert len(re.findall(r'<g class="kpi-row">', svg)) == 3
    assert len(re.findall(r'<rect class="actual met"', svg)) == 1
    assert len(re.findall(r'<rect class="actual not-met"', svg)) == 1  # the third is unmeasured
    assert len(re.findall(r'<line class="target"', svg)) == 3
    assert "not measured yet" in svg
    assert "<script" not in svg  # the chart is drawn by the server, no script
    assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", html)  # no inline script
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "cdn" not in html.lower()


def test_no_kpis_no_chart(client):
    html = page(client, make_result(kpis=[]))
    assert "<svg" not in html
    assert "This project did not define KPIs." in html


def test_decision_pending_and_not_adopted(client):
    pending = page(client, make_result(status=ProjectStatus.COMPLETED))
    assert "The department has not decided on full adoption yet." in pending
    rejected = page(
        client, make_result(status=ProjectStatus.NOT_ADOPTED, adoption_reason="Too costly.")
    )
    assert "The department decided not to adopt the solution." in rejected
    assert "Too costly." in rejected


def test_user_text_is_escaped(client):
    project = make_result(
        title='<script>alert("x")</script>',
        kpis=[{"name": "<img src=x onerror=alert(1)>", "target": 1, "actual": 2}],
    )
    html = page(client, project)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize(
    ("status", "published"),
    [
        (ProjectStatus.COMPLETED, False),
        (ProjectStatus.ADOPTED, False),
        (ProjectStatus.RUNNING, True),
        (ProjectStatus.PLANNED, True),
    ],
)
def test_unpublished_or_unfinished_projects_are_404(client, login_as, status, published):
    project = make_result(status=status, published=published)
    assert client.get(f"/results/{project.id}").status_code == 404
    login_as("reviewer")
    assert client.get(f"/results/{project.id}").status_code == 404


@pytest.mark.parametrize("path", ["/results/0", "/results/999999", "/results/99999999999999999999"])
def test_unknown_ids_are_404(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("role", [None, "provider", "department", "reviewer", "coordinator"])
def test_anyone_may_read_a_published_result(client, login_as, role):
    project = make_result()
    if role:
        login_as(role)
    assert client.get(f"/results/{project.id}").status_code == 200
    assert client.get("/results").status_code == 200


def test_post_is_not_allowed(client):
    project = make_result()
    assert client.post(f"/results/{project.id}", data={}).status_code == 405
