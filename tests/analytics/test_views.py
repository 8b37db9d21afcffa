"""The /analytics page and its CSVs: access, figures on the page, exact CSV content, bad input."""

from __future__ import annotations

import csv
import io

import pytest

from matchmaker.accounts.models import AccountStatus, Role
from matchmaker.analytics.export import FIGURES

BOM = b"\xef\xbb\xbf"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(BOM)
    return list(csv.reader(io.StringIO(response.data[len(BOM) :].decode("utf-8"))))


@pytest.mark.parametrize("path", ["/analytics", *(f"/analytics/{f}.csv" for f in FIGURES)])
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.DEPARTMENT, Role.REVIEWER])
@pytest.mark.parametrize("path", ["/analytics", "/analytics/funnel.csv"])
def test_other_roles_are_refused(client, login_as, role, path):
    login_as(role)
    assert client.get(path).status_code == 403


def test_unapproved_coordinator_is_refused(client, login_as):
    login_as(Role.COORDINATOR, status=AccountStatus.SUSPENDED)
    assert client.get("/analytics").status_code in (302, 403)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR])
def test_staff_see_the_page_with_charts_and_tables(client, login_as, world, role):
    login_as(role)
    response = client.get("/analytics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('role="img"') == 2
    assert 'id="funnel-chart-title"' in html and 'id="calls-chart-title"' in html
    assert "<script" not in html.split("<main", 1)[-1]
    # funnel table: counts and shares of the previous stage
    assert '<tr id="stage-proposals"><th scope="row">Proposals</th><td class="count">7</td>' in html
    assert "233.3%" in html and "42.9%" in html
    # chart text after the bars carries the same values
    assert ">7 (233.3%)</text>" in html
    assert '<td id="tts-median">2.0</td>' in html and '<td id="tts-mean">4.3</td>' in html
    assert '<p class="count" id="acceptance-rate">66.7%</p>' in html
    assert '<td id="mean-proposals">2.3</td>' in html
    assert '<p class="count" id="kpi-rate">66.7%</p>' in html
    assert "見守りアプリ公募" in html
    assert "drafts and withdrawn proposals are not counted" in html


def test_empty_database_page(client, login_as):
    login_as(Role.COORDINATOR)
    response = client.get("/analytics")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<td id="tts-median">—</td>' in html
    assert '<p class="count" id="acceptance-rate">—</p>' in html
    assert "No calls." in html
    for figure in FIGURES:
        assert len(read_csv(client.get(f"/analytics/{figure}.csv"))) >= 1


def test_csvs_match_the_fixture(client, login_as, world):
    login_as(Role.ADMIN)
    assert read_csv(client.get("/analytics/funnel.csv")) == [
        ["stage", "count", "percent_of_previous", "percent_of_first"],
        ["needs_posted", "5", "", "100.0"],
        ["needs_published", "4", "80.0", "80.0"],
        ["calls", "3", "75.0", "60.0"],
        ["proposals", "7", "233.3", "140.0"],
        ["selected", "3", "42.9", "60.0"],
        ["projects", "3", "100.0", "60.0"],
        ["adopted", "1", "33.3", "20.0"],
    ]
    assert read_csv(client.get("/analytics/time-to-shortlist.csv")) == [
        ["metric", "value"],
        ["needs_published", "4"],
        ["needs_with_shortlisted_pair", "3"],
        ["median_days", "2.0"],
        ["mean_days", "4.3"],
    ]
    assert read_csv(client.get("/analytics/acceptance.csv")) == [
        ["metric", "value"],
        ["pairs_new", "1"],
        ["pairs_shortlisted", "2"],
        ["pairs_dismissed", "2"],
        ["pairs_invited", "2"],
        ["pairs_accepted", "4"],
        ["pairs_decided", "6"],
        ["acceptance_percent", "66.7"],
    ]
    c = world.calls
    assert read_csv(client.get("/analytics/proposals-per-call.csv")) == [
        ["call_id", "call_title", "need_title", "proposals"],
        [str(c["c1"].id), "'=見守りセンサー公募", "見守り一", "3"],  # a formula is neutralised
        [str(c["c2"].id), "見守りアプリ公募", "見守り一", "1"],
        [str(c["c3"].id), "防災公募", "防災", "3"],
    ]
    assert read_csv(client.get("/analytics/kpis.csv")) == [
        ["metric", "value"],
        ["kpis_defined", "5"],
        ["kpis_measured", "3"],
        ["kpis_met", "2"],
        ["met_percent", "66.7"],
    ]


def test_filters_apply_to_page_and_csv(client, login_as, world):
    login_as(Role.COORDINATOR)
    args = "?since=2026-10-01&until=2026-10-31&policy_area=elderly_care"
    html = client.get("/analytics" + args).get_data(as_text=True)
    assert '<td id="tts-median">2.0</td>' in html  # only n1 remains
    assert "/analytics/funnel.csv?since=2026-10-01&amp;until=2026-10-31&amp;policy_area=" in html
    rows = read_csv(client.get("/analytics/funnel.csv" + args))
    assert [r[1] for r in rows[1:]] == ["2", "1", "2", "4", "1", "1", "1"]


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-13-01",
        "since=yesterday",
        "until=2026-1-5",
        "since=2026-11-01&until=2026-10-01",
        "policy_area=nonsense",
        "policy_area=<script>",
    ],
)
@pytest.mark.parametrize("path", ["/analytics", "/analytics/kpis.csv"])
def test_bad_filters_give_400(client, login_as, path, query):
    login_as(Role.ADMIN)
    assert client.get(f"{path}?{query}").status_code == 400


def test_unknown_figure_is_404(client, login_as):
    login_as(Role.ADMIN)
    assert client.get("/analytics/secrets.csv").status_code == 404


def test_links_from_admin_page_and_coordinator_dashboard(client, login_as):
    login_as(Role.ADMIN)
    assert 'href="/analytics"' in client.get("/admin/").get_data(as_text=True)
    login_as(Role.COORDINATOR)
    assert 'href="/analytics"' in client.get("/dashboard").get_data(as_text=True)
    login_as(Role.PROVIDER)
    assert 'href="/analytics"' not in client.get("/dashboard").get_data(as_text=True)
