"""Account administration: approval, the transition table, roles, filters and sessions."""

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import AccountStatus, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_org, make_user

ALLOWED = {
    ("approve", AccountStatus.PENDING),
    ("suspend", AccountStatus.PENDING),
    ("suspend", AccountStatus.ACTIVE),
    ("reactivate", AccountStatus.SUSPENDED),
    ("reactivate", AccountStatus.DEACTIVATED),
    ("deactivate", AccountStatus.PENDING),
    ("deactivate", AccountStatus.ACTIVE),
    ("deactivate", AccountStatus.SUSPENDED),
}
TARGET = {
    "approve": AccountStatus.ACTIVE,
    "suspend": AccountStatus.SUSPENDED,
    "reactivate": AccountStatus.ACTIVE,
    "deactivate": AccountStatus.DEACTIVATED,
}
ILLEGAL = [
    (action, status)
    for action in ("approve", "suspend", "reactivate", "deactivate")
    for status in AccountStatus
    if (action, status) not in ALLOWED
]


def events(action=None):
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalars(stmt).all()


def post_status(client, user, action, **extra):
    return client.post(f"/admin/users/{user.id}/status", data={"action": action, **extra})


def test_approving_a_pending_department_user_activates_them(client, admin):
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    response = post_status(client, user, "approve", next="/admin/users?status=pending")
    assert response.status_code == 302
    assert response.location == "/admin/users?status=pending"
    db.session.refresh(user)
    assert user.status is AccountStatus.ACTIVE and user.approved_at is not None
    [event] = events("account_approve")
    assert (event.actor_id, event.object_type, event.object_id) == (admin.id, "user", user.id)
    assert event.details == {"previous": "pending", "status": "active"}
    assert "The account was approved." in client.get(response.location).get_data(as_text=True)


def test_pending_list_offers_approval(client, admin):
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    html = client.get("/admin/users?status=pending").get_data(as_text=True)
    assert user.email in html
    assert f'action="/admin/users/{user.id}/status"' in html
    assert 'name="action" value="approve"' in html


@pytest.mark.parametrize("action,status", ILLEGAL)
def test_illegal_transitions_change_nothing(client, admin, action, status):
    user = make_user(Role.PROVIDER, status=status)
    token = user.session_token
    response = post_status(client, user, action)
    assert response.status_code == 409
    db.session.refresh(user)
    assert user.status is status and user.session_token == token
    assert events() == []


@pytest.mark.parametrize("action,status", sorted(ALLOWED))
def test_allowed_transitions(client, admin, action, status):
    user = make_user(Role.PROVIDER, status=status)
    assert post_status(client, user, action).status_code == 302
    db.session.refresh(user)
    assert user.status is TARGET[action]
    assert [e.action for e in events()] == [f"account_{action}"]


@pytest.mark.parametrize("action", ["delete", "", "approve; drop table users"])
def test_unknown_action_is_400(client, admin, action):
    user = make_user(Role.PROVIDER, status=AccountStatus.PENDING)
    assert post_status(client, user, action).status_code == 400
    db.session.refresh(user)
    assert user.status is AccountStatus.PENDING and events() == []


@pytest.mark.parametrize("action", ["suspend", "deactivate", "approve"])
def test_admin_cannot_change_their_own_status(client, admin, action):
    response = post_status(client, admin, action)
    assert response.status_code == 403
    assert "your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.status is AccountStatus.ACTIVE and events() == []
    assert client.get("/admin").status_code == 200  # still signed in


@pytest.mark.parametrize("action", ["suspend", "deactivate"])
def test_suspending_ends_the_users_sessions(app, client, admin, action):
    user = make_user(Role.PROVIDER)
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert other.get("/dashboard").status_code == 200
    assert post_status(client, user, action).status_code == 302
    assert other.get("/dashboard").status_code == 302
    # nor can they sign in again
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_reactivated_user_can_sign_in_again(app, client, admin):
    user = make_user(Role.PROVIDER, status=AccountStatus.SUSPENDED)
    assert post_status(client, user, "reactivate").status_code == 302
    other = app.test_client()
    assert other.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_external_next_is_ignored(client, admin):
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    for target in ("https://evil.example/", "//evil.example/", "/dashboard"):
        user.status = AccountStatus.PENDING
        db.session.flush()
        response = post_status(client, user, "approve", next=target)
        assert response.location == "/admin/users"


# roles


def post_role(client, user, role):
    return client.post(f"/admin/users/{user.id}/role", data={"role": role})


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.COORDINATOR, Role.ADMIN])
def test_admin_sets_any_role(client, admin, role):
    user = make_user(Role.PROVIDER)
    assert post_role(client, user, role.value).status_code == 302
    db.session.refresh(user)
    assert user.role is role
    [event] = events("account_role_changed")
    assert event.actor_id == admin.id and event.object_id == user.id
    assert event.details == {"previous": "provider", "role": role.value}


def test_reviewer_can_become_department_staff_of_a_department(client, admin):
    user = make_user(Role.REVIEWER, org=make_org(OrgKind.DEPARTMENT))
    assert post_role(client, user, "department").status_code == 302
    db.session.refresh(user)
    assert user.role is Role.DEPARTMENT


def test_role_must_fit_the_organization(client, admin):
    user = make_user(Role.PROVIDER)  # a startup
    response = post_role(client, user, "department")
    assert response.status_code == 400
    assert "government department" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.role is Role.PROVIDER and events() == []


def test_admin_cannot_demote_themself(client, admin):
    response = post_role(client, admin, "coordinator")
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and events() == []
    assert client.get("/admin").status_code == 200


def test_unknown_role_is_400(client, admin):
    user = make_user(Role.PROVIDER)
    assert post_role(client, user, "superuser").status_code == 400
    db.session.refresh(user)
    assert user.role is Role.PROVIDER


def test_same_role_is_a_no_op(client, admin):
    user = make_user(Role.PROVIDER)
    assert post_role(client, user, "provider").status_code == 302
    assert events() == []


# list, filters, pagination


def test_list_filters_by_status_and_role(client, admin):
    pending = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    provider = make_user(Role.PROVIDER)
    reviewer = make_user(Role.REVIEWER)
    html = client.get("/admin/users").get_data(as_text=True)
    assert all(u.email in html for u in (pending, provider, reviewer, admin))
    html = client.get("/admin/users?status=pending").get_data(as_text=True)
    assert pending.email in html and provider.email not in html and reviewer.email not in html
    html = client.get("/admin/users?role=reviewer&status=active").get_data(as_text=True)
    assert reviewer.email in html and provider.email not in html and pending.email not in html


def test_search_on_name_and_email(client, admin):
    hanako = make_user(Role.PROVIDER, email="hanako@startup.example")
    hanako.name = "山田 花子"
    taro = make_user(Role.PROVIDER, email="taro@univ.example")
    db.session.flush()
    html = client.get("/admin/users", query_string={"q": "花子"}).get_data(as_text=True)
    assert hanako.email in html and taro.email not in html
    html = client.get("/admin/users", query_string={"q": "UNIV"}).get_data(as_text=True)
    assert taro.email in html and hanako.email not in html
    html = client.get("/admin/users", query_string={"q": "100%_"}).get_data(as_text=True)
    assert taro.email not in html and hanako.email not in html


def test_filter_by_organization(client, admin):
    org = make_org()
    member = make_user(Role.PROVIDER, org=org)
    other = make_user(Role.PROVIDER)
    html = client.get(f"/admin/users?organization={org.id}").get_data(as_text=True)
    assert member.email in html and other.email not in html


@pytest.mark.parametrize(
    "query",
    ["status=gone", "role=superuser", "page=abc", "page=0", "organization=x", "q=" + "a" * 201],
)
def test_bad_filters_are_400(client, admin, query):
    assert client.get(f"/admin/users?{query}").status_code == 400


def test_pagination(client, admin, app):
    per_page = app.config["MATCHMAKER_PAGE_SIZE"]
    users = [make_user(Role.REVIEWER) for _ in range(per_page + 1)]
    first = client.get("/admin/users?role=reviewer").get_data(as_text=True)
    second = client.get("/admin/users?role=reviewer&page=2").get_data(as_text=True)
    shown_first = [u for u in users if f'id="user-{u.id}"' in first]
    shown_second = [u for u in users if f'id="user-{u.id}"' in second]
    assert len(shown_first) == per_page and len(shown_second) == 1
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_own_row_has_no_actions(client, admin):
    html = client.get("/admin/users").get_data(as_text=True)
    assert f'action="/admin/users/{admin.id}/status"' not in html
    assert "This is you." in html


def test_role_form_ignores_undeclared_fields(client, admin):
    """No mass assignment: extra fields in the role form are ignored."""
    user = make_user(Role.PROVIDER)
    response = client.post(
        f"/admin/users/{user.id}/role",
        data={"role": "reviewer", "status": "active", "email": "x@evil.example"},
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.email != "x@evil.example"
    assert db.session.scalar(select(User).where(User.email == "x@evil.example")) is None
