"""Account services called directly: registration, sign-in, the transition table, roles, orgs."""

import pytest
from sqlalchemy import func, select

from matchmaker.accounts import services
from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.common.errors import Conflict, DomainError, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_org, make_user


@pytest.fixture(autouse=True)
def request_context(app):
    with app.test_request_context("/?lang=en"):
        yield


def actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def registration(**overrides):
    data = {
        "email": "Hanako@Mimamori.example",
        "name": " Hanako ",
        "password": PASSWORD,
        "role": Role.PROVIDER,
        "new_organization_name": " Mimamori Tech ",
        "new_organization_kind": OrgKind.STARTUP,
    }
    data.update(overrides)
    return services.Registration(**data)


# registration


def test_register_provider():
    user = services.register(registration())
    assert (user.email, user.name, user.status) == (
        "hanako@mimamori.example",
        "Hanako",
        AccountStatus.ACTIVE,
    )
    assert user.organization.name == "Mimamori Tech"
    assert actions() == ["account_registered"]


def test_register_department_staff_is_pending():
    dept = make_org(OrgKind.DEPARTMENT)
    user = services.register(registration(role=Role.DEPARTMENT, organization_id=dept.id))
    assert user.status is AccountStatus.PENDING and user.organization_id == dept.id


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COORDINATOR, Role.REVIEWER])
def test_register_refuses_assigned_roles(role):
    with pytest.raises(NotAllowed):
        services.register(registration(role=role))
    assert (count(User), count(Organization), actions()) == (0, 0, [])


def test_register_refuses_duplicate_email_in_any_case():
    make_user(email="hanako@mimamori.example")
    with pytest.raises(DomainError, match="already exists"):
        services.register(registration(email="  HANAKO@mimamori.EXAMPLE "))


def test_register_refuses_weak_password_with_reasons():
    with pytest.raises(services.WeakPassword) as info:
        services.register(registration(password="short"))
    assert info.value.problems == ["Use at least 12 characters."]
    assert count(User) == 0


@pytest.mark.parametrize("kind", [OrgKind.STARTUP, None])
def test_department_staff_need_a_department(kind):
    org_id = make_org(kind).id if kind else None
    with pytest.raises(DomainError, match="department"):
        services.register(registration(role=Role.DEPARTMENT, organization_id=org_id))


def test_blank_name_is_refused():
    with pytest.raises(DomainError):
        services.register(registration(name="   "))


# sign-in


def test_authenticate():
    user = make_user(Role.PROVIDER)
    assert services.authenticate(user.email.upper(), PASSWORD) is user
    assert user.last_login_at is not None
    assert services.authenticate(user.email, "wrong password!!") is None
    assert services.authenticate("nobody@example.org", PASSWORD) is None
    assert actions() == ["login", "login_failed", "login_failed"]
    failed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed"))
    assert [(e.actor_id, e.details) for e in failed] == [
        (user.id, {"email_domain": "example.org"}),
        (None, {"email_domain": "example.org"}),
    ]


@pytest.mark.parametrize(
    "status,signs_in",
    [
        (AccountStatus.PENDING, True),
        (AccountStatus.ACTIVE, True),
        (AccountStatus.SUSPENDED, False),
        (AccountStatus.DEACTIVATED, False),
    ],
)
def test_authenticate_by_status(status, signs_in):
    user = make_user(Role.DEPARTMENT, status=status)
    assert (services.authenticate(user.email, PASSWORD) is user) is signs_in
    assert actions() == ["login" if signs_in else "login_refused"]


def test_session_ids_carry_the_token():
    user = make_user()
    assert services.load_user_from_session_id(user.get_id()) is user
    assert services.load_user_from_session_id(f"{user.id}:stale") is None
    assert services.load_user_from_session_id(f"{user.id}") is None
    assert services.load_user_from_session_id("x:y") is None
    assert services.load_user_from_session_id("999999:abc") is None


# the account transition table, exhaustively

TABLE = {
    ("approve", AccountStatus.PENDING): AccountStatus.ACTIVE,
    ("suspend", AccountStatus.PENDING): AccountStatus.SUSPENDED,
    ("suspend", AccountStatus.ACTIVE): AccountStatus.SUSPENDED,
    ("reactivate", AccountStatus.SUSPENDED): AccountStatus.ACTIVE,
    ("reactivate", AccountStatus.DEACTIVATED): AccountStatus.ACTIVE,
    ("deactivate", AccountStatus.PENDING): AccountStatus.DEACTIVATED,
    ("deactivate", AccountStatus.ACTIVE): AccountStatus.DEACTIVATED,
    ("deactivate", AccountStatus.SUSPENDED): AccountStatus.DEACTIVATED,
}
ALL = [(a, s) for a in ("approve", "suspend", "reactivate", "deactivate") for s in AccountStatus]


@pytest.mark.parametrize("action,status", ALL)
def test_transition_table(action, status):
    admin = make_user(Role.ADMIN)
    user = make_user(Role.PROVIDER, status=status)
    token = user.session_token
    target = TABLE.get((action, status))
    if target is None:
        with pytest.raises(IllegalTransition):
            services.change_account_status(admin, user, action)
        assert user.status is status and user.session_token == token and actions() == []
        return
    services.change_account_status(admin, user, action)
    assert user.status is target
    assert (user.session_token == token) is (target is AccountStatus.ACTIVE)
    assert actions() == [f"account_{action}"]


@pytest.mark.parametrize("status", list(AccountStatus))
def test_offered_actions_follow_the_table(status):
    offered = services.allowed_account_actions(User(status=status))
    assert offered == [a for a, s in ALL if s is status and (a, s) in TABLE]


def test_approval_stamps_approved_at_once():
    admin = make_user(Role.ADMIN)
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    services.change_account_status(admin, user, "approve")
    first = user.approved_at
    services.change_account_status(admin, user, "suspend")
    services.change_account_status(admin, user, "reactivate")
    assert first is not None and user.approved_at == first


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.REVIEWER, Role.DEPARTMENT, Role.PROVIDER])
def test_only_admins_change_status(role):
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    with pytest.raises(NotAllowed):
        services.change_account_status(make_user(role), user, "approve")
    assert user.status is AccountStatus.PENDING


def test_pending_admin_cannot_approve():
    user = make_user(Role.DEPARTMENT, status=AccountStatus.PENDING)
    with pytest.raises(NotAllowed):
        services.change_account_status(
            make_user(Role.ADMIN, status=AccountStatus.PENDING), user, "approve"
        )


def test_admin_cannot_change_own_status():
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotAllowed):
        services.change_account_status(admin, admin, "suspend")
    assert admin.status is AccountStatus.ACTIVE


def test_unknown_action():
    with pytest.raises(DomainError):
        services.change_account_status(make_user(Role.ADMIN), make_user(), "delete")


# roles


def test_change_role():
    admin = make_user(Role.ADMIN)
    user = make_user(Role.PROVIDER)
    services.change_role(admin, user, Role.ADMIN)
    assert user.role is Role.ADMIN and actions() == ["account_role_changed"]


def test_change_role_refusals():
    admin = make_user(Role.ADMIN)
    with pytest.raises(NotAllowed):
        services.change_role(admin, admin, Role.REVIEWER)
    with pytest.raises(NotAllowed):
        services.change_role(make_user(Role.COORDINATOR), make_user(), Role.REVIEWER)
    with pytest.raises(DomainError):
        services.change_role(admin, make_user(Role.REVIEWER), Role.PROVIDER)  # no organization
    with pytest.raises(DomainError):
        services.change_role(admin, make_user(Role.COORDINATOR), Role.PROVIDER)  # a department
    assert actions() == []


# organizations


def test_create_organization():
    admin = make_user(Role.ADMIN)
    org = services.create_organization(admin, " 総務局 ", OrgKind.DEPARTMENT, " ", "")
    assert (org.name, org.name_en, org.website) == ("総務局", None, None)
    with pytest.raises(Conflict):
        services.create_organization(admin, "総務局", OrgKind.DEPARTMENT)
    assert actions() == ["organization_created"]


@pytest.mark.parametrize(
    "name,kind,website",
    [
        ("", OrgKind.NPO, None),
        ("X", "government", None),
        ("X", OrgKind.NPO, "javascript:alert(1)"),
        ("X", OrgKind.NPO, "https://"),
        ("X" * 201, OrgKind.NPO, None),
    ],
)
def test_create_organization_validates(name, kind, website):
    with pytest.raises(DomainError):
        services.create_organization(make_user(Role.ADMIN), name, kind, website=website)
    assert count(Organization) == 0


def test_only_admins_manage_organizations():
    org = make_org()
    with pytest.raises(NotAllowed):
        services.create_organization(make_user(Role.COORDINATOR), "X", OrgKind.NPO)
    with pytest.raises(NotAllowed):
        services.update_organization(make_user(Role.PROVIDER, org=org), org, "Mine", None, None)


def test_update_organization_records_changes():
    admin = make_user(Role.ADMIN)
    org = make_org(OrgKind.NPO, name="Old")
    services.update_organization(admin, org, "New", "New EN", "https://new.example")
    event = db.session.scalar(select(AuditEvent))
    assert event.details["changes"] == {
        "name": ["Old", "New"],
        "name_en": [None, "New EN"],
        "website": [None, "https://new.example"],
    }


def test_create_user_applies_password_rules():
    with pytest.raises(services.WeakPassword):
        services.create_user("demo@example.org", "Demo", "password", Role.REVIEWER)
    user = services.create_user("Demo@Example.org", "Demo", PASSWORD, Role.REVIEWER)
    assert user.email == "demo@example.org" and user.approved_at is not None
