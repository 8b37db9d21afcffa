"""Issue 5 routes × every role: projects, results, feeds, analytics, API tokens, open data.

Same table design as tests/test_access_matrix_calls.py (each row tries every role in turn,
each request inside a savepoint rolled back afterwards). The JSON API under /api/v1 has its
own roles × endpoints table with bearer tokens in tests/api/test_permissions.py; the
completeness test in tests/test_access_matrix.py reads that one for the API's routes.
"""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from matchmaker.api.tokens import create_token
from matchmaker.extensions import db, limiter
from matchmaker.projects.models import Milestone, ProgressAttachment, ProgressUpdate, ProjectStatus
from matchmaker.uploads.services import store_pdf
from tests.projects.helpers import DEFAULT_KPIS, PDF, make_project, make_selected_proposal
from tests.test_access_matrix import (
    ADMIN_ONLY,
    DENIED,
    LOGIN,
    PUBLIC,
    ROLES,
    SIGNED_IN,
    SIGNED_IN_ONLY,
    STAFF_ONLY,
    expect,
    make_world,
    snapshot,
)
from tests.test_access_matrix_calls import attempt, get_access_errors, ids_of
from tests.test_access_matrix_calls import leaks as shown_secrets

PARTIES = ("provider", "department", "coordinator", "admin")  # of every project below
DEPARTMENT_SIDE = ("department", "coordinator", "admin")
PROVIDER_SIDE = ("provider", "coordinator", "admin")
# never in a refused page nor shown to outsiders: unpublished projects, private progress
SECRETS = ("Secret planned project", "Secret running project", "Secret completed project")
SECRETS += ("Private progress note", "Private final report", "Private token name")
FEED = Path(__file__).parent / "fixtures" / "challenge-gov" / "feed-open.json"


def party(**statuses: int) -> dict[str, int]:
    """`statuses` for the named roles; 404 for everyone else (existence never leaks)."""
    return expect(404, anonymous=LOGIN, **statuses)


VIEW = party(**dict.fromkeys(PARTIES, 200))
DEPARTMENT_EDITS = party(provider=403, **dict.fromkeys(DEPARTMENT_SIDE, 200))
PROVIDER_EDITS = party(department=403, **dict.fromkeys(PROVIDER_SIDE, 200))
DEPARTMENT_LATE = party(provider=403, **dict.fromkeys(DEPARTMENT_SIDE, 409))  # not editable now
PROVIDER_LATE = party(department=403, **dict.fromkeys(PROVIDER_SIDE, 409))
NOWHERE = expect(404)

# (endpoint, url with {placeholders}, expected status per role)
PROJECT_GET_MATRIX = [
    ("projects.list_projects", "/projects", SIGNED_IN_ONLY),
    ("projects.show_project", "/projects/{planned}", VIEW),
    ("projects.show_project", "/projects/{running}", VIEW),
    ("projects.show_project", "/projects/{completed}", VIEW),
    ("projects.show_project", "/projects/{published}", VIEW),
    ("projects.show_project", "/projects/999999", party()),
    ("projects.edit_agreement", "/projects/{planned}/agreement", DEPARTMENT_EDITS),
    ("projects.edit_agreement", "/projects/{completed}/agreement", DEPARTMENT_LATE),
    ("projects.edit_milestone", "/projects/{running}/milestones/new", DEPARTMENT_EDITS),
    ("projects.edit_milestone", "/projects/{running}/milestones/{milestone}/edit",
     DEPARTMENT_EDITS),
    ("projects.edit_milestone", "/projects/{planned}/milestones/{milestone}/edit",
     party(provider=403, **dict.fromkeys(DEPARTMENT_SIDE, 404))),  # another project's
    ("projects.report_milestone", "/projects/{running}/milestones/{milestone}/report",
     PROVIDER_EDITS),
    ("projects.edit_kpi", "/projects/{running}/kpis/new", DEPARTMENT_EDITS),
    ("projects.edit_kpi", "/projects/{running}/kpis/{kpi}/edit", DEPARTMENT_EDITS),
    ("projects.record_actual", "/projects/{running}/kpis/{kpi}/actual", PROVIDER_EDITS),
    ("projects.record_actual", "/projects/{published}/kpis/{published_kpi}/actual",
     PROVIDER_LATE),
    ("projects.edit_final_report", "/projects/{running}/final-report", PROVIDER_EDITS),
    ("projects.edit_final_report", "/projects/{planned}/final-report", PROVIDER_LATE),
    ("projects.edit_result", "/projects/{completed}/result", DEPARTMENT_EDITS),
    ("projects.download", "/projects/{running}/files/{update_file}", VIEW),
    ("projects.download", "/projects/{running}/files/{agreement_file}", VIEW),
    ("projects.download", "/projects/{published}/files/{update_file}",
     party(**dict.fromkeys(PARTIES, 404))),  # a file of another project
    ("results.list_results", "/results", PUBLIC),
    ("results.show_result", "/results/{published}", PUBLIC),
    ("results.show_result", "/results/{completed}", NOWHERE),  # finished, not published
    ("results.show_result", "/results/{running}", NOWHERE),
    ("feeds.calls", "/feeds/calls.atom", PUBLIC),
    ("feeds.results", "/feeds/results.atom", PUBLIC),
    ("analytics.index", "/analytics", STAFF_ONLY),
    ("analytics.download", "/analytics/funnel.csv", STAFF_ONLY),
    ("analytics.download", "/analytics/nothing.csv",
     expect(403, anonymous=LOGIN, coordinator=404, admin=404)),
    ("api_tokens.index", "/account/tokens", SIGNED_IN_ONLY),
    ("api-docs.openapi_json", "/api/v1/openapi.json", PUBLIC),
    ("opendata.index", "/opendata", PUBLIC),
    ("opendata.export_zip", "/opendata/export.zip", PUBLIC),
    ("opendata.challenge_gov", "/opendata/challenge-gov.json", PUBLIC),
    ("opendata.import_challenge_gov", "/opendata/import", ADMIN_ONLY),
]  # fmt: skip

DEPARTMENT_DOES = dict.fromkeys(DEPARTMENT_SIDE, 302)
PROVIDER_DOES = dict.fromkeys(PROVIDER_SIDE, 302)
# (endpoint, url, the roles allowed through and their status); every other signed-in role
# gets 403 or 404, visitors go to sign in, and the database does not change
PROJECT_POST_MATRIX = [
    ("projects.start_project", "/proposals/{selected_proposal}/project", DEPARTMENT_DOES),
    ("projects.start_project", "/proposals/{running_proposal}/project",  # has one: redirect
     dict.fromkeys(PARTIES, 302)),
    ("projects.change_status", "/projects/{planned}/start", DEPARTMENT_DOES),
    ("projects.change_status", "/projects/{running}/complete", PROVIDER_DOES),
    ("projects.change_status", "/projects/{completed}/start",  # already past it
     dict.fromkeys(DEPARTMENT_SIDE, 409)),
    ("projects.decide", "/projects/{completed}/decision", DEPARTMENT_DOES),
    ("projects.decide", "/projects/{running}/decision", dict.fromkeys(DEPARTMENT_SIDE, 409)),
    ("projects.change_publication", "/projects/{completed}/publish", DEPARTMENT_DOES),
    ("projects.change_publication", "/projects/{running}/publish",
     dict.fromkeys(DEPARTMENT_SIDE, 409)),  # not finished
    ("projects.change_publication", "/projects/{published}/unpublish", DEPARTMENT_DOES),
    ("projects.add_update", "/projects/{running}/updates", PROVIDER_DOES),
    ("projects.add_update", "/projects/{planned}/updates", dict.fromkeys(PROVIDER_SIDE, 409)),
    ("projects.edit_agreement", "/projects/{planned}/agreement", DEPARTMENT_DOES),
    ("projects.edit_agreement", "/projects/{completed}/agreement",
     dict.fromkeys(DEPARTMENT_SIDE, 409)),
    ("projects.edit_milestone", "/projects/{running}/milestones/new", DEPARTMENT_DOES),
    ("projects.edit_milestone", "/projects/{running}/milestones/{milestone}/edit",
     DEPARTMENT_DOES),
    ("projects.delete_milestone", "/projects/{running}/milestones/{milestone}/delete",
     DEPARTMENT_DOES),
    ("projects.report_milestone", "/projects/{running}/milestones/{milestone}/report",
     PROVIDER_DOES),
    ("projects.edit_kpi", "/projects/{running}/kpis/new", DEPARTMENT_DOES),
    ("projects.edit_kpi", "/projects/{running}/kpis/{kpi}/edit", DEPARTMENT_DOES),
    ("projects.delete_kpi", "/projects/{running}/kpis/{kpi}/delete", DEPARTMENT_DOES),
    ("projects.delete_kpi", "/projects/{published}/kpis/{published_kpi}/delete",
     dict.fromkeys(DEPARTMENT_SIDE, 409)),
    ("projects.record_actual", "/projects/{running}/kpis/{kpi}/actual", PROVIDER_DOES),
    ("projects.edit_final_report", "/projects/{running}/final-report", PROVIDER_DOES),
    ("projects.edit_result", "/projects/{completed}/result", DEPARTMENT_DOES),
    ("api_tokens.index", "/account/tokens", dict.fromkeys(SIGNED_IN, 200)),  # shown once
    ("api_tokens.revoke", "/account/tokens/{token}/revoke", {"provider": 302}),
    ("opendata.import_challenge_gov", "/opendata/import", {"admin": 302}),
]  # fmt: skip

NO_CHANGE = {"/proposals/{running_proposal}/project"}  # allowed, and nothing to do

# (url, text, the roles whose page may show it): pages everyone may open, parts they may not
HIDDEN_PARTS = [
    ("/projects", "Secret planned project", PARTIES),
    ("/projects", "Secret running project", PARTIES),
    ("/projects", "Published pilot result", PARTIES),
    ("/projects/{running}", "Private progress note", PARTIES),
    ("/results", "Published pilot result", ROLES),
    ("/results", "Secret completed project", ()),
    ("/results", "Secret running project", ()),
    ("/results/{published}", "Private progress note", ()),
    ("/results/{published}", "Private final report", ()),
    ("/feeds/results.atom", "Private final report", ()),
    ("/feeds/results.atom", "Published pilot result", ROLES),
    ("/feeds/results.atom", "Secret completed project", ()),
    ("/account/tokens", "Private token name", ("provider",)),
    ("/dashboard", "Secret running project", ("provider", "department", "coordinator")),
]


def post_data(endpoint: str) -> dict:
    """A valid form for the route, built afresh for each request (files are streams)."""
    forms = {
        "projects.decide": {"decision": "adopt", "reason": "It worked."},
        "projects.add_update": {"body": "Week 3", "files": [(io.BytesIO(PDF), "week3.pdf")]},
        "projects.edit_agreement": {
            "agreement_date": "2026-04-01",
            "starts_on": "2026-04-15",
            "ends_on": "2026-09-30",
        },
        "projects.edit_milestone": {"title": "Train staff", "due_on": "2026-06-01"},
        "projects.report_milestone": {
            "status": "done",
            "completed_on": "2026-06-01",
            "evidence": "Installed in 50 homes.",
        },
        "projects.edit_kpi": {"name": "Homes", "unit": "", "direction": "increase", "target": "50"},
        "projects.record_actual": {"actual": "80", "measured_on": "2026-06-01"},
        "projects.edit_final_report": {"final_report": "All done."},
        "projects.edit_result": {
            "outcome": "Falls were noticed sooner.",
            "contact_name": "Results desk",
            "contact_email": "desk@example.org",
        },
        "api_tokens.index": {"name": "Nightly sync", "lifetime": "30"},
        "opendata.import_challenge_gov": {"feed": (io.BytesIO(one_entry_feed()), "feed.json")},
    }
    return dict(forms.get(endpoint, {}))


def one_entry_feed() -> bytes:
    feed = json.loads(FEED.read_text(encoding="utf-8"))
    feed["_challenge"] = feed["_challenge"][:1]
    return json.dumps(feed).encode("utf-8")


@pytest.fixture
def project_world(app):
    """The base world plus projects of `department` and `provider` in each state that matters,
    a selected proposal without a project, and an API token of the provider."""
    limiter.reset()  # the open data downloads are rate limited per address
    users, ids = make_world()
    provider = users["provider"]
    orgs = {"department": users["department"].organization, "provider": provider.organization}
    agreed = {"agreement_date": date(2026, 4, 1), "starts_on": date(2026, 4, 15)}
    planned = make_project(title="Secret planned project", **agreed, **orgs)
    running = make_project(
        ProjectStatus.RUNNING, title="Secret running project", final_report="Nearly done.",
        kpis=DEFAULT_KPIS, **orgs,
    )  # fmt: skip
    completed = make_project(
        ProjectStatus.COMPLETED, title="Secret completed project", outcome="Ready.", **orgs
    )
    published = make_project(
        ProjectStatus.ADOPTED, published=True, title="Published pilot result",
        kpis=DEFAULT_KPIS, final_report="Private final report", **orgs,
    )  # fmt: skip

    def pdf():
        return store_pdf(io.BytesIO(PDF), "file.pdf", provider, provider.organization_id)

    running.agreement_attachment = pdf()
    milestone = Milestone(title="Install sensors", due_on=date(2026, 5, 1))
    running.milestones.append(milestone)
    update = ProgressUpdate(
        author_id=provider.id,
        body="Private progress note",
        attachments=[ProgressAttachment(attachment=pdf())],
    )
    running.updates.append(update)
    selected = make_selected_proposal(**orgs)
    token = create_token(provider, "Private token name").token
    db.session.flush()
    ids.update(
        planned=planned.id,
        running=running.id,
        completed=completed.id,
        published=published.id,
        running_proposal=running.proposal_id,
        selected_proposal=selected.id,
        milestone=milestone.id,
        kpi=running.kpis[0].id,
        published_kpi=published.kpis[0].id,
        update_file=update.attachments[0].attachment_id,
        agreement_file=running.agreement_attachment_id,
        token=token.id,
    )
    return users, ids


def leaks(response) -> list[str]:
    return shown_secrets(response, SECRETS)


@pytest.mark.parametrize(
    ("endpoint", "url", "expected"), PROJECT_GET_MATRIX, ids=ids_of(PROJECT_GET_MATRIX)
)
def test_get_access(app, project_world, endpoint, url, expected):
    users, ids = project_world
    wrong = get_access_errors(app, users, url.format(**ids), expected, SECRETS)
    assert wrong == {}, f"GET {url}"


@pytest.mark.parametrize(
    ("endpoint", "url", "allowed"), PROJECT_POST_MATRIX, ids=ids_of(PROJECT_POST_MATRIX)
)
def test_post_access(app, project_world, endpoint, url, allowed):
    users, ids = project_world
    before, wrong = snapshot(), {}
    for role in ROLES:
        data = post_data(endpoint)
        response, unchanged = attempt(app, users, role, "POST", url.format(**ids), data, before)
        got = response.status_code
        acted = role in allowed and allowed[role] < 400 and url not in NO_CHANGE
        if role == "anonymous":
            ok = got == LOGIN and "/login" in response.location
        elif role in allowed:
            ok = got == allowed[role]
        else:
            ok = got in DENIED
        if role != "anonymous" and got == LOGIN and "/login" in (response.location or ""):
            ok = False  # a signed-in user sent to sign in again
        if not ok:
            wrong[role] = f"got {got} ({response.location or ''})"
        elif unchanged == acted:
            wrong[role] = f"{got} but the database {'did not change' if acted else 'changed'}"
        elif got in (403, 404) and leaks(response):
            wrong[role] = f"{got} page shows {leaks(response)}"
    assert wrong == {}, f"POST {url}"


@pytest.mark.parametrize(("url", "text", "may_see"), HIDDEN_PARTS, ids=ids_of(HIDDEN_PARTS))
def test_hidden_parts(app, project_world, url, text, may_see):
    users, ids = project_world
    wrong = {}
    for role in ROLES:
        response, _ = attempt(app, users, role, "GET", url.format(**ids))
        shown = text in response.get_data(as_text=True)
        if shown != (role in may_see):
            wrong[role] = f"{response.status_code}, {'shows' if shown else 'hides'} it"
    assert wrong == {}, f"GET {url}: {text}"
