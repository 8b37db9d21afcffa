"""Coordinator and administrator dashboards, the overdue rules at an explicit clock, and the
health panel (also on the admin index page)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from matchmaker.accounts.models import AccountStatus, Role, User
from matchmaker.calls.models import CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.jobs.models import JobState
from matchmaker.main.overdue import EVALUATION_DAYS, NEED_REVIEW_DAYS, find_overdue
from matchmaker.needs.models import NeedRevision, NeedStatus
from matchmaker.notifications.models import OutboxMessage, OutboxStatus
from matchmaker.projects.models import Milestone, MilestoneStatus, ProjectStatus
from matchmaker.review.models import PairReview, PairStatus
from tests.calls.conftest import make_call
from tests.factories import make_need, make_seed, make_user
from tests.main.conftest import item
from tests.main.test_dashboard import dashboard, section
from tests.projects.helpers import make_project

NOW = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 2026-12-02 00:30 in Tokyo


def in_review(days: float, title: str, now: datetime = NOW):
    return make_need(status=NeedStatus.IN_REVIEW, title=title, submitted_at=now - timedelta(days))


def evaluating(days_since_close: float, title: str, status=CallStatus.UNDER_EVALUATION, now=NOW):
    closes = now - timedelta(days=days_since_close)
    return make_call(None, status, closes - timedelta(days=30), closes, title=title)


def milestone(project, due: date, status=MilestoneStatus.PENDING, title="Install sensors"):
    project.milestones.append(Milestone(title=title, due_on=due, status=status))
    db.session.flush()


# ---- what is overdue, at an explicit clock ---------------------------------------------------


def test_needs_are_overdue_after_seven_days_in_review():
    late = in_review(NEED_REVIEW_DAYS + 0.1, "Late need")
    in_review(NEED_REVIEW_DAYS - 0.1, "Recent need")
    make_need(status=NeedStatus.PUBLISHED, submitted_at=NOW - timedelta(days=30))
    assert [n.id for n in find_overdue(NOW).needs] == [late.id]
    assert find_overdue(NOW - timedelta(days=1)).needs == []


def test_calls_are_overdue_fourteen_days_after_closing_under_evaluation():
    late = evaluating(EVALUATION_DAYS + 0.1, "Slow evaluation")
    evaluating(EVALUATION_DAYS - 0.1, "Fresh evaluation")
    evaluating(60, "Decided long ago", CallStatus.DECIDED)
    assert [c.id for c in find_overdue(NOW).calls] == [late.id]


def test_milestones_are_overdue_after_their_tokyo_due_date():
    running = make_project(ProjectStatus.RUNNING, title="Running pilot")
    finished = make_project(ProjectStatus.COMPLETED, title="Finished pilot")
    milestone(running, date(2026, 12, 1), title="Due yesterday in Tokyo")  # UTC date is 12-01
    milestone(running, date(2026, 12, 2), title="Due today")
    milestone(running, date(2026, 11, 1), MilestoneStatus.DONE, title="Done")
    milestone(finished, date(2026, 11, 1), title="Of a finished project")
    rows = find_overdue(NOW).milestones
    assert [(m.title, p.id) for m, p in rows] == [("Due yesterday in Tokyo", running.id)]
    assert find_overdue(NOW - timedelta(hours=1)).milestones == []  # still 12-01 in Tokyo


# ---- coordinators ----------------------------------------------------------------------------


def test_coordinator_sees_queues_overdue_and_revisions(client, login_as, matcher):
    now = utcnow()
    late = in_review(10, "Late need", now)
    in_review(1, "Fresh need", now)
    published = make_need(title="Published watch need")
    seeds = [make_seed(title=f"Seed {n}") for n in range(3)]
    matcher.seeds[published.id] = [item(s, 0.5) for s in seeds]
    db.session.add(
        PairReview(need_id=published.id, seed_id=seeds[0].id, status=PairStatus.DISMISSED)
    )
    evaluating(20, "Slow evaluation", now=now)
    project = make_project(ProjectStatus.RUNNING, title="Running pilot")
    milestone(project, date(2020, 1, 1), title="Long-missed milestone")
    db.session.add(NeedRevision(need_id=published.id, data={"title": "Pending title"}))
    db.session.flush()
    login_as(Role.COORDINATOR)
    html = dashboard(client)
    waiting = section(html, "dash-needs-waiting")
    late_row = re.search(r"Late need.*?</tr>", waiting, re.S).group(0)
    assert "Overdue" in late_row and "<td>10" in late_row
    assert "Overdue" not in re.search(r"Fresh need.*?</tr>", waiting, re.S).group(0)
    queues = section(html, "review-queues")
    row = re.search(rf"/needs/{published.id}/review-queue.*?</tr>", queues, re.S).group(0)
    assert re.findall(r"<td[^>]*>(\d+)</td>", row) == ["2", "1"]  # new, decided
    late_panel = section(html, "dash-overdue")
    assert f'href="/needs/{late.id}"' in late_panel and "Fresh need" not in late_panel
    assert "Slow evaluation" in late_panel and "Long-missed milestone" in late_panel
    assert "more than 7 days" in late_panel  # the rule is shown
    revisions = section(html, "dash-revisions")
    assert "Published watch need" in revisions and "Pending title" not in revisions


def test_coordinator_empty_states_and_matcher_down(client, login_as, matcher):
    matcher.down = True
    login_as(Role.COORDINATOR)
    html = dashboard(client)
    assert "Nothing to review." in section(html, "dash-needs-waiting")
    assert "No published needs." in section(html, "review-queues")
    assert "Nothing is overdue." in section(html, "dash-overdue")
    assert "No revisions are waiting." in section(html, "dash-revisions")
    make_need(title="Published need")
    queues = section(dashboard(client), "review-queues")
    assert "new pairs cannot be counted" in queues and "Published need" in queues


# ---- administrators --------------------------------------------------------------------------


def test_admin_approves_accounts_from_the_dashboard(client, login_as):
    waiting = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    active = make_user(Role.PROVIDER)
    login_as(Role.ADMIN)
    accounts = section(dashboard(client), "dash-accounts")
    assert waiting.email in accounts and active.email not in accounts
    assert f'action="/admin/users/{waiting.id}/status"' in accounts
    response = client.post(
        f"/admin/users/{waiting.id}/status",
        data={"action": "approve", "next": "/admin/users?status=pending"},
    )
    assert response.status_code == 302
    assert db.session.get(User, waiting.id).status is AccountStatus.ACTIVE
    assert "No accounts are waiting for approval." in section(dashboard(client), "dash-accounts")


def test_health_panel_on_the_dashboard_and_the_admin_index(client, login_as):
    make_need(title="Published need")
    make_need(status=NeedStatus.DRAFT)
    make_need(title="Imported prize", source="challenge.gov", external_id="x1")
    db.session.add(
        JobState(name="calls.close_due", last_started_at=NOW, last_finished_at=NOW,
                 last_result="closed 2 calls")
    )  # fmt: skip
    db.session.add(
        OutboxMessage(to_address="a@example.org", subject="Hi", body="Hello",
                      dedupe_key="dash:1", status=OutboxStatus.PENDING)
    )  # fmt: skip
    db.session.flush()
    login_as(Role.ADMIN)
    for url in ("/dashboard", "/admin/"):
        response = client.get(url)
        assert response.status_code == 200
        health = section(response.get_data(as_text=True), "system-health")
        assert "Reachable" in health
        assert re.search(r'id="coverage-need">.*?<td>2</td>\s*<td>0</td>', health, re.S)
        assert "Not encoded: 2." in health
        job = re.search(r'id="job-calls-close_due">.*?</tr>', health, re.S).group(0)
        assert "2026-12-02 00:30 JST" in job and "closed 2 calls" in job
        assert "Never run" in section(response.get_data(as_text=True), "system-health")
        assert "1 pending · 0 failed" in health
        assert "challenge.gov" in health and "Needs: 1" in health


def test_health_empty_import_state_and_no_panel_for_others(client, login_as):
    login_as(Role.ADMIN)
    assert "Nothing has been imported yet." in section(dashboard(client), "system-health")
    login_as(Role.COORDINATOR)
    assert section(dashboard(client), "system-health") == ""
