"""Role dashboards: each role's panels with real data, their empty states, and nothing of other
organizations. The matcher is faked (tests/main/conftest.py); staff panels are in
test_dashboard_staff.py."""

from __future__ import annotations

import re
from datetime import timedelta

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import CallStatus
from matchmaker.db import utcnow
from matchmaker.evaluation.models import AssignmentStatus
from matchmaker.matching import warmup
from matchmaker.matching.services import MatchResult
from matchmaker.needs.models import NeedStatus
from matchmaker.projects.models import Milestone, ProjectStatus
from matchmaker.proposals.models import ProposalStatus
from matchmaker.seeds.models import SeedStatus
from tests.calls.conftest import make_call
from tests.evaluation.conftest import assign, give_scores
from tests.evaluation.conftest import make_proposal as make_submitted
from tests.factories import make_need, make_org, make_seed, make_user
from tests.main.conftest import item
from tests.projects.helpers import make_project


def section(html: str, css_class: str) -> str:
    """The HTML of the dashboard section with this class (empty when it is not on the page)."""
    found = re.search(rf'<section class="[^"]*\b{css_class}\b[^"]*".*?</section>', html, re.S)
    return found.group(0) if found else ""


def dashboard(client) -> str:
    response = client.get("/dashboard")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ---- department staff ------------------------------------------------------------------------


def test_department_sees_its_needs_and_calls_by_status_with_counts(client, login_as):
    dept = make_org(OrgKind.DEPARTMENT)
    other = make_org(OrgKind.DEPARTMENT)
    for n in range(2):
        make_need(dept, NeedStatus.DRAFT, title=f"Draft need {n}")
    make_need(dept, NeedStatus.IN_REVIEW, title="Need in review")
    published = make_need(dept, NeedStatus.PUBLISHED, title="Published need")
    make_need(other, NeedStatus.DRAFT, title="Other department's draft")
    now = utcnow()
    day = timedelta(days=1)
    make_call(published, CallStatus.OPEN, now - day, now + 3 * day + day / 12, "Open pilot call")
    make_call(
        published, CallStatus.SCHEDULED, now + 5 * day + day / 24, now + 20 * day, "Sched call"
    )
    make_call(published, CallStatus.DRAFT, now + 9 * day, now + 30 * day, "Draft pilot call")
    make_call(make_need(other), CallStatus.OPEN, title="Other department's call")
    login_as(Role.DEPARTMENT, org=dept)
    html = dashboard(client)
    needs, calls = section(html, "dash-needs"), section(html, "dash-calls")
    assert re.search(r"Draft\s*<span class=\"count\">\(2\)</span>", needs)
    assert re.search(r"In review\s*<span class=\"count\">\(1\)</span>", needs)
    assert "Draft need 0" in needs and "Published need" in needs
    assert re.search(r"Open\s*<span class=\"count\">\(1\)</span>", calls)
    assert "Open pilot call" in calls and "Draft pilot call" in calls
    assert "Closes in 3 days" in calls and "Opens in 5 days" in calls
    deadline = (now + 3 * day + day / 12 + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    assert f"{deadline} JST" in calls  # shown in Tokyo time
    assert "Other department" not in html


def test_department_sees_its_projects_only(client, login_as):
    mine = make_project(ProjectStatus.RUNNING, title="Our sensor pilot")
    mine.milestones.append(Milestone(title="Install sensors", due_on=utcnow().date()))
    make_project(ProjectStatus.RUNNING, title="Someone else's pilot")
    login_as(Role.DEPARTMENT, org=mine.department)
    projects = section(dashboard(client), "dash-projects")
    assert "Our sensor pilot" in projects and "Install sensors" in projects
    assert "Someone else" not in projects


def test_department_empty_states(client, login_as):
    login_as(Role.DEPARTMENT)
    html = dashboard(client)
    assert "Your department has no needs yet." in section(html, "dash-needs")
    assert "Your department has no calls yet." in section(html, "dash-calls")
    assert "No demonstration projects yet." in section(html, "dash-projects")
    assert 'href="/calls/manage"' in html


# ---- solution providers ----------------------------------------------------------------------


def test_provider_sees_needs_that_fit_its_seeds_deduplicated(client, login_as, matcher):
    org = make_org(OrgKind.STARTUP)
    sensor = make_seed(org, title="Radar fall sensor")
    camera = make_seed(org, title="Privacy camera")
    draft_seed = make_seed(org, SeedStatus.DRAFT, title="Unfinished seed")
    others = make_seed(make_org(), title="Competitor seed")
    watch = make_need(title="Elderly watch need")
    flood = make_need(title="Flood warning need")
    hidden = make_need(status=NeedStatus.IN_REVIEW, title="Need still in review")
    extra = [make_need(title=f"Fourth need {n}") for n in range(2)]
    matcher.needs[sensor.id] = [item(watch, 0.9), item(hidden, 0.8), item(flood, 0.5), *[
        item(n, 0.1) for n in extra]]  # fmt: skip
    matcher.needs[camera.id] = [item(watch, 0.7)]
    matcher.needs[others.id] = [item(make_need(title="Competitor's need"), 0.99)]
    call = make_call(watch, CallStatus.OPEN, title="Watch pilot call")
    login_as(Role.PROVIDER, org=org)
    fits = section(dashboard(client), "dash-fits")
    assert fits.count("Elderly watch need") == 1  # one entry for both seeds
    assert "Radar fall sensor" in fits and "Privacy camera" in fits
    assert f'href="/calls/{call.id}"' in fits
    assert "Flood warning need" in fits
    assert "Fourth need" not in fits  # top 3 per seed
    assert "Need still in review" not in fits and "Competitor" not in fits
    ranked = {record_id for kind, record_id, _ in matcher.calls if kind == "seed"}
    assert ranked == {sensor.id, camera.id}  # never a draft nor another organization's seed
    assert draft_seed.id not in ranked
    assert {top_k for *_, top_k in matcher.calls} == {3}
    order = [fits.index("Elderly watch need"), fits.index("Flood warning need")]
    assert order == sorted(order)


def test_provider_is_told_when_the_matcher_is_unavailable(client, login_as, matcher):
    org = make_org(OrgKind.STARTUP)
    make_seed(org)
    matcher.down = True
    login_as(Role.PROVIDER, org=org)
    fits = section(dashboard(client), "dash-fits")
    assert "Matching is not available right now" in fits
    assert "models missing" not in fits  # the technical reason is for administrators


def test_provider_sees_the_warming_status_instead_of_unavailable(
    app, client, login_as, monkeypatch
):
    org = make_org(OrgKind.STARTUP)
    make_seed(org)
    with app.test_request_context("/?lang=en"):
        status = warmup.WarmingStatus(40, 100, 3)
    monkeypatch.setattr(
        "matchmaker.matching.services.rank_needs_for_seed",
        lambda seed, **kw: MatchResult(unavailable=status),
    )
    login_as(Role.PROVIDER, org=org)
    fits = section(dashboard(client), "dash-fits")
    assert "Matches are being prepared (40 of 100 records loaded" in fits
    assert 'data-refresh-after="15"' in fits
    assert "Matching is not available right now" not in fits


def test_provider_sees_its_proposals_with_status_and_deadline(client, login_as, matcher):
    org = make_org(OrgKind.STARTUP)
    now = utcnow()
    closes = now + timedelta(days=2, hours=1)
    open_call = make_call(None, CallStatus.OPEN, now - timedelta(days=1), closes, "Open call")
    judged = make_call(None, CallStatus.UNDER_EVALUATION, now - timedelta(days=20),
                       now - timedelta(days=2), title="Evaluated call")  # fmt: skip
    make_submitted(open_call, org, ProposalStatus.DRAFT, "Our draft proposal")
    make_submitted(judged, org, ProposalStatus.SELECTED, "Our judged proposal")
    make_submitted(open_call, make_org(), ProposalStatus.SUBMITTED, "Competitor proposal")
    login_as(Role.PROVIDER, org=org)
    proposals = section(dashboard(client), "dash-proposals")
    assert "Our draft proposal" in proposals and "Closes in 2 days" in proposals
    row = re.search(r"Our judged proposal.*?</tr>", proposals, re.S).group(0)
    assert "Submitted" in row and "Selected" not in row  # not announced yet
    assert "closed" in row
    assert "Competitor proposal" not in proposals


def test_provider_sees_its_projects_only(client, login_as, matcher):
    mine = make_project(ProjectStatus.PLANNED, title="Our planned pilot")
    make_project(ProjectStatus.PLANNED, title="A stranger's pilot")
    login_as(Role.PROVIDER, org=mine.provider)
    projects = section(dashboard(client), "dash-projects")
    assert "Our planned pilot" in projects and "stranger" not in projects


def test_provider_empty_states(client, login_as, matcher):
    login_as(Role.PROVIDER)
    html = dashboard(client)
    assert "Publish a seed to see the needs it fits." in section(html, "dash-fits")
    assert "No proposals yet." in section(html, "dash-proposals")
    assert "No demonstration projects yet." in section(html, "dash-projects")
    assert "No seeds yet." in section(html, "dash-seeds")
    assert matcher.calls == []


def test_provider_with_seeds_but_no_fitting_need(client, login_as, matcher):
    org = make_org(OrgKind.STARTUP)
    make_seed(org)
    login_as(Role.PROVIDER, org=org)
    assert "No published needs fit your seeds yet." in section(dashboard(client), "dash-fits")


# ---- reviewers -------------------------------------------------------------------------------


def test_reviewer_sees_pending_and_finished_reviews(client, login_as):
    reviewer = make_user(Role.REVIEWER)
    now = utcnow()
    pending_call = make_call(None, CallStatus.UNDER_EVALUATION, now - timedelta(days=20),
                             now - timedelta(days=1), title="Call to review")  # fmt: skip
    done_call = make_call(None, CallStatus.UNDER_EVALUATION, title="Call reviewed")
    others_call = make_call(None, CallStatus.UNDER_EVALUATION, title="Someone else's call")
    first = make_submitted(pending_call, title="First proposal")
    make_submitted(pending_call, title="Second proposal")
    give_scores(first, reviewer, [3, 4])
    assign(pending_call, reviewer)
    assign(done_call, reviewer, AssignmentStatus.COMPLETED)
    assign(others_call, make_user(Role.REVIEWER))
    login_as(user=reviewer)
    html = dashboard(client)
    pending, done = section(html, "dash-pending-reviews"), section(html, "dash-done-reviews")
    assert "Call to review" in pending and "Call reviewed" not in pending
    row = re.search(r"Call to review.*?</tr>", pending, re.S).group(0)
    deadline = (now - timedelta(days=1) + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M JST")
    assert deadline in row
    assert re.findall(r"<td>(\d+)</td>", row) == ["1", "1"]  # one to score, one scored
    assert "Call reviewed" in done and "Call to review" not in done
    assert "Someone else" not in html
    assert "First proposal" not in html  # the dashboard names calls, not applicants


def test_reviewer_empty_states(client, login_as):
    login_as(Role.REVIEWER)
    html = dashboard(client)
    assert "No reviews are waiting for you." in section(html, "dash-pending-reviews")
    assert "You have not finished any review yet." in section(html, "dash-done-reviews")
    assert 'href="/reviews"' in html


def test_every_role_dashboard_renders_in_japanese(client, login_as, matcher):
    for role in Role:
        login_as(role)
        response = client.get("/dashboard", headers={"Accept-Language": "ja"})
        assert response.status_code == 200
        assert 'lang="ja"' in response.get_data(as_text=True)[:500]
