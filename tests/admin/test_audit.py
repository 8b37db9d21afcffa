"""Audit log page: newest first, filters, Tokyo times; and the admin index counts."""

from datetime import UTC, datetime, timedelta

import pytest

from matchmaker.accounts.models import AccountStatus, Organization, Role
from matchmaker.admin.services import start_of_day, tokyo_today
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import make_org, make_user


def event(action, at, actor=None, **kw):
    row = AuditEvent(action=action, created_at=at, actor_id=getattr(actor, "id", None), **kw)
    db.session.add(row)
    db.session.flush()
    return row


def shown(html, *rows):
    return [f'id="event-{r.id}"' in html for r in rows]


def test_columns_and_tokyo_time(client, admin):
    user = make_user(Role.PROVIDER)
    row = event(
        "account_suspend",
        datetime(2026, 1, 10, 15, 30, tzinfo=UTC),
        actor=admin,
        object_type="user",
        object_id=user.id,
        ip_address="203.0.113.7",
        details={"previous": "active", "status": "suspended"},
    )
    html = client.get("/admin/audit").get_data(as_text=True)
    assert shown(html, row) == [True]
    assert "2026-01-11 00:30:00" in html  # 15:30 UTC is 00:30 the next day in Tokyo
    for text in (admin.name, "account_suspend", f"user #{user.id}", "203.0.113.7", "suspended"):
        assert text in html


def test_newest_first(client, admin):
    old = event("login", datetime(2026, 1, 1, tzinfo=UTC))
    new = event("logout", datetime(2026, 2, 1, tzinfo=UTC))
    html = client.get("/admin/audit").get_data(as_text=True)
    assert html.index(f'id="event-{new.id}"') < html.index(f'id="event-{old.id}"')


def test_filter_by_action_and_actor(client, admin):
    someone = make_user(Role.PROVIDER)
    a = event("login", datetime(2026, 1, 1, tzinfo=UTC), actor=someone)
    b = event("login_failed", datetime(2026, 1, 1, tzinfo=UTC), actor=someone)
    c = event("login", datetime(2026, 1, 1, tzinfo=UTC), actor=admin)
    html = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert shown(html, a, b, c) == [True, False, True]
    html = client.get(f"/admin/audit?actor={someone.id}").get_data(as_text=True)
    assert shown(html, a, b, c) == [True, True, False]
    html = client.get(f"/admin/audit?actor={someone.id}&action=login").get_data(as_text=True)
    assert shown(html, a, b, c) == [True, False, False]


def test_date_range_uses_tokyo_days(client, admin):
    late_10th = event("a", datetime(2026, 1, 10, 14, 30, tzinfo=UTC))  # 10th 23:30 JST
    early_11th = event("b", datetime(2026, 1, 10, 15, 30, tzinfo=UTC))  # 11th 00:30 JST
    late_11th = event("c", datetime(2026, 1, 11, 14, 59, tzinfo=UTC))  # 11th 23:59 JST
    on_12th = event("d", datetime(2026, 1, 11, 15, 0, tzinfo=UTC))  # 12th 00:00 JST
    rows = (late_10th, early_11th, late_11th, on_12th)
    html = client.get("/admin/audit?since=2026-01-11").get_data(as_text=True)
    assert shown(html, *rows) == [False, True, True, True]
    html = client.get("/admin/audit?until=2026-01-11").get_data(as_text=True)
    assert shown(html, *rows) == [True, True, True, False]
    html = client.get("/admin/audit?since=2026-01-11&until=2026-01-11").get_data(as_text=True)
    assert shown(html, *rows) == [False, True, True, False]


@pytest.mark.parametrize(
    "query",
    [
        "since=2026-13-01",
        "since=yesterday",
        "until=2026-1-5",
        "until=20260105",
        "since=2026-02-01&until=2026-01-01",
        "actor=abc",
        "actor=-1",
        "action=<script>",
        "page=abc",
    ],
)
def test_bad_filters_are_400(client, admin, query):
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    assert b"<script>" not in response.data


def test_pagination(client, admin, app):
    per_page = app.config["MATCHMAKER_PAGE_SIZE"]
    base = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [event("login", base + timedelta(minutes=i)) for i in range(per_page + 2)]
    first = client.get("/admin/audit").get_data(as_text=True)
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert sum(shown(first, *rows)) == per_page and sum(shown(second, *rows)) == 2
    assert shown(first, rows[-1]) == [True] and shown(second, rows[0]) == [True]


def test_real_actions_are_logged_with_ip(client, admin):
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    client.post(f"/admin/users/{user.id}/status", data={"action": "approve"})
    html = client.get("/admin/audit?action=account_approve").get_data(as_text=True)
    assert "account_approve" in html and "127.0.0.1" in html and admin.email in html


def test_index_counts(client, admin):
    make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    make_user(Role.PROVIDER)
    make_org()
    orgs = db.session.scalar(db.select(db.func.count()).select_from(Organization))
    today = start_of_day(tokyo_today())
    event("x", today + timedelta(minutes=1))
    event("y", today + timedelta(hours=3))
    event("z", today - timedelta(minutes=1))  # yesterday in Tokyo
    html = client.get("/admin").get_data(as_text=True)
    assert '<p class="count" id="count-pending">2</p>' in html
    assert f'<p class="count" id="count-organizations">{orgs}</p>' in html
    assert '<p class="count" id="count-audit-today">2</p>' in html
    for link in ("/admin/users?status=pending", "/admin/organizations", "/admin/audit"):
        assert f'href="{link}' in html
