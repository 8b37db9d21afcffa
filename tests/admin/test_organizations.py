"""Organization administration: list, kind filter, create, edit."""

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Organization, OrgKind, Role
from matchmaker.audit.models import AuditEvent
from matchmaker.extensions import db
from tests.factories import make_org, make_user


def org_count():
    return db.session.scalar(select(func.count()).select_from(Organization))


def find_org(name):
    return db.session.scalar(select(Organization).where(Organization.name == name))


def actions():
    return db.session.scalars(select(AuditEvent.action)).all()


def test_list_shows_organizations_and_member_counts(client, admin):
    org = make_org(OrgKind.UNIVERSITY, name="東京科学大学")
    make_user(Role.PROVIDER, org=org)
    make_user(Role.PROVIDER, org=org)
    html = client.get("/admin/organizations").get_data(as_text=True)
    assert "東京科学大学" in html
    assert f'<a href="/admin/users?organization={org.id}">2</a>' in html
    assert f"/admin/organizations/{org.id}/edit" in html


def test_kind_filter(client, admin):
    make_org(OrgKind.NPO, name="見守りNPO")
    make_org(OrgKind.DEPARTMENT, name="福祉局")
    html = client.get("/admin/organizations?kind=npo").get_data(as_text=True)
    assert "見守りNPO" in html and "福祉局" not in html


@pytest.mark.parametrize("query", ["kind=government", "page=-1", "page=x"])
def test_bad_filters_are_400(client, admin, query):
    assert client.get(f"/admin/organizations?{query}").status_code == 400


def test_create_organization(client, admin):
    response = client.post(
        "/admin/organizations",
        data={
            "name": "デジタルサービス局",
            "name_en": "Bureau of Digital Services",
            "kind": "department",
            "website": "https://www.digitalservice.metro.tokyo.lg.jp/",
        },
    )
    assert response.status_code == 302 and response.location == "/admin/organizations"
    org = find_org("デジタルサービス局")
    assert org.kind is OrgKind.DEPARTMENT and org.name_en == "Bureau of Digital Services"
    assert org.website == "https://www.digitalservice.metro.tokyo.lg.jp/"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organization_created"))
    assert event.actor_id == admin.id and event.object_id == org.id
    assert event.details == {"kind": "department"}
    # a new department is offered at registration
    client.post("/logout", data={})
    assert "デジタルサービス局" in client.get("/register").get_data(as_text=True)


def test_duplicate_name_is_refused(client, admin):
    make_org(OrgKind.STARTUP, name="Acme")
    before = org_count()
    response = client.post("/admin/organizations", data={"name": " Acme ", "kind": "company"})
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    assert org_count() == before and "organization_created" not in actions()


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "", "kind": "startup"}, "This field is required."),
        ({"name": "X", "kind": "government"}, "Not a valid choice"),
        ({"name": "X", "kind": "startup", "website": "javascript:alert(1)"}, "https://"),
        ({"name": "X", "kind": "startup", "website": "ftp://files.example"}, "https://"),
        ({"name": "X" * 201, "kind": "startup"}, "200"),
    ],
)
def test_invalid_organization_is_refused(client, admin, data, message):
    before = org_count()
    response = client.post("/admin/organizations", data=data)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert org_count() == before


def test_edit_organization(client, admin):
    org = make_org(OrgKind.DEPARTMENT, name="福祉保健局")
    page = client.get(f"/admin/organizations/{org.id}/edit").get_data(as_text=True)
    assert 'value="福祉保健局"' in page
    response = client.post(
        f"/admin/organizations/{org.id}/edit",
        data={
            "name": "福祉局",
            "name_en": "Bureau of Social Welfare",
            "website": "",
            "kind": "startup",
        },
    )
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.name, org.name_en, org.website) == ("福祉局", "Bureau of Social Welfare", None)
    assert org.kind is OrgKind.DEPARTMENT  # the kind is not editable
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organization_updated"))
    assert event.details["changes"]["name"] == ["福祉保健局", "福祉局"]


def test_edit_refuses_a_taken_name(client, admin):
    make_org(name="Taken")
    org = make_org(name="Mine")
    response = client.post(f"/admin/organizations/{org.id}/edit", data={"name": "Taken"})
    assert response.status_code == 200
    assert "already exists" in response.get_data(as_text=True)
    db.session.refresh(org)
    assert org.name == "Mine" and "organization_updated" not in actions()


def test_edit_without_changes_records_nothing(client, admin):
    org = make_org(name="Same")
    response = client.post(f"/admin/organizations/{org.id}/edit", data={"name": "Same"})
    assert response.status_code == 302
    assert "organization_updated" not in actions()
