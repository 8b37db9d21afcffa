"""Registration at /register: providers found an organization, department staff wait."""

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import AccountStatus, Organization, OrgKind, Role, User
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import PASSWORD, make_org, make_user


@pytest.fixture(autouse=True)
def english(client):
    with client.session_transaction() as sess:
        sess["lang"] = "en"


def counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Organization, AuditEvent)
    )


def provider_form(**overrides):
    data = {
        "role": "provider",
        "name": "Hanako Yamada",
        "email": "hanako@mimamori.example",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "organization_name": "Mimamori Tech",
        "organization_kind": "startup",
    }
    data.update(overrides)
    return data


def department_form(org, **overrides):
    data = {
        "role": "department",
        "name": "東京 太郎",
        "email": "taro@metro.example",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "organization_id": str(org.id),
    }
    data.update(overrides)
    return data


def find_user(email):
    return db.session.scalar(select(User).where(User.email == email))


def test_form_lists_departments_only(client):
    make_org(OrgKind.DEPARTMENT, name="福祉局")
    make_org(OrgKind.STARTUP, name="Some Startup")
    html = client.get("/register").get_data(as_text=True)
    assert "福祉局" in html and "Some Startup" not in html
    assert 'value="admin"' not in html and 'value="coordinator"' not in html


def test_provider_creates_an_organization_and_is_active(client):
    response = client.post("/register", data=provider_form())
    assert response.status_code == 302 and response.location == "/dashboard"
    user = find_user("hanako@mimamori.example")
    assert user.role is Role.PROVIDER and user.status is AccountStatus.ACTIVE
    assert user.organization.name == "Mimamori Tech"
    assert user.organization.kind is OrgKind.STARTUP
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_registered"))
    assert event.object_id == user.id and event.details == {"role": "provider", "status": "active"}
    # signed in straight away
    assert client.get("/dashboard").status_code == 200


def test_department_staff_choose_a_department_and_wait(client):
    dept = make_org(OrgKind.DEPARTMENT, name="産業労働局")
    orgs_before = counts()[1]
    response = client.post("/register", data=department_form(dept))
    assert response.status_code == 302
    user = find_user("taro@metro.example")
    assert user.role is Role.DEPARTMENT and user.status is AccountStatus.PENDING
    assert user.organization_id == dept.id and user.approved_at is None
    assert counts()[1] == orgs_before  # no organization created
    assert "awaiting an administrator" in client.get("/dashboard").get_data(as_text=True)


def test_pending_user_appears_for_the_admin(client, login_as):
    dept = make_org(OrgKind.DEPARTMENT)
    client.post("/register", data=department_form(dept))
    client.post("/logout", data={})
    login_as(Role.ADMIN)
    assert "taro@metro.example" in client.get("/admin/users?status=pending").get_data(as_text=True)


@pytest.mark.parametrize("org_id", ["", "0", "999999", "abc"])
def test_department_must_be_chosen(client, org_id):
    form = department_form(make_org(OrgKind.DEPARTMENT), organization_id=org_id)
    before = counts()
    response = client.post("/register", data=form)
    assert response.status_code == 200
    assert counts() == before


def test_department_staff_cannot_join_a_startup(client):
    startup = make_org(OrgKind.STARTUP)
    before = counts()
    response = client.post("/register", data=department_form(startup))
    assert response.status_code == 200
    assert "Choose your department" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize(
    "overrides",
    [{"organization_name": ""}, {"organization_kind": "department"}, {"organization_kind": "x"}],
)
def test_provider_needs_an_organization_name_and_kind(client, overrides):
    before = counts()
    response = client.post("/register", data=provider_form(**overrides))
    assert response.status_code == 200
    assert counts() == before


def test_provider_cannot_reuse_an_organization_name(client):
    make_org(OrgKind.STARTUP, name="Mimamori Tech")
    before = counts()
    response = client.post("/register", data=provider_form())
    assert response.status_code == 200
    assert "already registered" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize("email", ["hanako@mimamori.example", " HANAKO@Mimamori.Example "])
def test_duplicate_email_is_refused(client, email):
    make_user(Role.PROVIDER, email="hanako@mimamori.example")
    before = counts()
    response = client.post(
        "/register", data=provider_form(email=email, organization_name="Another")
    )
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize("role", ["admin", "coordinator", "reviewer", "superuser"])
def test_privileged_roles_cannot_be_chosen(client, role):
    before = counts()
    response = client.post("/register", data=provider_form(role=role))
    assert response.status_code == 200
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert counts() == before
    assert find_user("hanako@mimamori.example") is None


@pytest.mark.parametrize("email", ["not-an-address", "a@b", ""])
def test_invalid_email_is_refused(client, email):
    before = counts()
    assert client.post("/register", data=provider_form(email=email)).status_code == 200
    assert counts() == before


def test_registration_needs_a_csrf_token(client):
    before = counts()
    assert client.post("/register", data=provider_form(), csrf=False).status_code == 400
    assert counts() == before


def test_registered_provider_can_sign_in(app, client):
    client.post("/register", data=provider_form())
    other = app.test_client()
    response = other.post("/login", data={"email": "hanako@mimamori.example", "password": PASSWORD})
    assert response.status_code == 302


def test_signed_in_users_are_sent_to_the_dashboard(client, login_as):
    login_as(Role.PROVIDER)
    assert client.get("/register").location == "/dashboard"


def test_only_declared_fields_are_stored(client):
    """No mass assignment: status, role or organization_id in the POST do not leak in."""
    dept = make_org(OrgKind.DEPARTMENT)
    client.post(
        "/register",
        data=provider_form(status="active", approved_at="2020-01-01", organization_id=dept.id),
    )
    user = find_user("hanako@mimamori.example")
    assert user.organization_id != dept.id and user.role is Role.PROVIDER
