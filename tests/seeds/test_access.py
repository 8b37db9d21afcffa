"""Who may see and change which seed: route × actor × status, with the expected HTTP status."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.seeds.models import Seed, SeedStatus
from tests.factories import make_org, make_user
from tests.seeds.helpers import ACTOR_KINDS, MEMBERS, create_seed, form_data, seed_count, sign_in

SECRET = "Confidential prototype"


def view_status(status: str, actor: str) -> int:
    if status == "published" or actor in MEMBERS:
        return 200
    return 404


def edit_status(status: str, actor: str) -> int:
    if actor == "anonymous":
        return 302
    if status != "published" and actor not in MEMBERS:
        return 404
    if actor not in MEMBERS:
        return 403
    return 409 if status == "archived" else 200


@pytest.mark.parametrize("actor", ACTOR_KINDS)
@pytest.mark.parametrize("status", [s.value for s in SeedStatus])
def test_detail_page_visibility(client, login_as, owner, status, actor):
    seed = create_seed(owner, status, title=SECRET)
    sign_in(login_as, actor, owner)
    response = client.get(f"/seeds/{seed.id}")
    assert response.status_code == view_status(status, actor)
    assert (SECRET.encode() in response.data) == (response.status_code == 200)


@pytest.mark.parametrize("actor", ACTOR_KINDS)
@pytest.mark.parametrize("status", [s.value for s in SeedStatus])
def test_edit_form_access(client, login_as, owner, status, actor):
    seed = create_seed(owner, status, title=SECRET)
    sign_in(login_as, actor, owner)
    response = client.get(f"/seeds/{seed.id}/edit")
    assert response.status_code == edit_status(status, actor)
    if response.status_code != 200:
        assert SECRET.encode() not in response.data


@pytest.mark.parametrize("actor", ACTOR_KINDS)
@pytest.mark.parametrize("status", [s.value for s in SeedStatus])
def test_edit_post_access_and_nothing_changes_when_refused(client, login_as, owner, status, actor):
    seed = create_seed(owner, status, title=SECRET)
    seed_id, version = seed.id, seed.version
    sign_in(login_as, actor, owner)
    response = client.post(
        f"/seeds/{seed_id}/edit", data=form_data(title="Overwritten", version=str(version))
    )
    expected = edit_status(status, actor)
    seed = db.session.get(Seed, seed_id)
    if expected == 200:
        assert response.status_code == 302
        assert seed.title == "Overwritten" and seed.status.value == status
    else:
        assert response.status_code == expected
        assert seed.title == SECRET and seed.version == version


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", 302),
        ("owner", 200),
        ("other_provider", 200),
        ("department", 403),
        ("reviewer", 403),
        ("coordinator", 403),
        ("admin", 403),
    ],
)
def test_who_may_open_the_create_form(client, login_as, owner, actor, expected):
    sign_in(login_as, actor, owner)
    response = client.get("/seeds/new")
    assert response.status_code == expected
    if expected == 302:
        assert "/login" in response.location


@pytest.mark.parametrize("actor", ["department", "reviewer", "coordinator", "admin"])
def test_non_providers_cannot_create_seeds(client, login_as, owner, actor):
    sign_in(login_as, actor, owner)
    response = client.post("/seeds/new", data=form_data())
    assert response.status_code == 403
    assert seed_count() == 0


def test_anonymous_cannot_create_seeds(client):
    response = client.post("/seeds/new", data=form_data())
    assert response.status_code == 302 and "/login" in response.location
    assert seed_count() == 0


def test_provider_without_organization_cannot_create(client, login_as):
    user = make_user(Role.PROVIDER, org=None)
    user.organization = None
    db.session.flush()
    login_as(user=user)
    assert client.get("/seeds/new").status_code == 403


def test_department_member_org_cannot_host_seeds(client, login_as):
    """A provider account attached to a department organization is still refused."""
    from matchmaker.accounts.models import OrgKind

    login_as(Role.PROVIDER, org=make_org(OrgKind.DEPARTMENT))
    assert client.get("/seeds/new").status_code == 403


@pytest.mark.parametrize("path", ["/seeds/999999", "/seeds/999999/edit"])
def test_unknown_ids_are_404(client, login_as, owner, path):
    login_as(user=owner)
    assert client.get(path).status_code == 404


def test_unknown_id_is_404_for_anonymous(client):
    assert client.get("/seeds/999999").status_code == 404


def test_my_seeds_lists_every_status_of_my_organization_only(client, login_as, owner):
    for status in SeedStatus:
        create_seed(owner, status, title=f"Mine {status.value}")
    create_seed(make_user(Role.PROVIDER), SeedStatus.DRAFT, title="Someone else's draft")
    login_as(user=owner)
    response = client.get("/seeds/mine")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for status in SeedStatus:
        assert f"Mine {status.value}" in page
    assert "Someone else&#39;s draft" not in page and "Someone else's draft" not in page


@pytest.mark.parametrize(
    "actor,expected",
    [
        ("anonymous", 302),
        ("department", 403),
        ("coordinator", 403),
        ("admin", 403),
    ],
)
def test_my_seeds_is_for_providers(client, login_as, owner, actor, expected):
    sign_in(login_as, actor, owner)
    assert client.get("/seeds/mine").status_code == expected


@pytest.mark.parametrize("actor", ACTOR_KINDS)
def test_public_list_never_shows_drafts_or_archived(client, login_as, owner, actor):
    create_seed(owner, SeedStatus.PUBLISHED, title="Visible seed")
    create_seed(owner, SeedStatus.DRAFT, title="Hidden draft")
    create_seed(owner, SeedStatus.ARCHIVED, title="Hidden archived")
    sign_in(login_as, actor, owner)
    page = client.get("/seeds").get_data(as_text=True)
    assert "Visible seed" in page
    assert "Hidden draft" not in page and "Hidden archived" not in page


def test_suspended_member_cannot_act(client, login_as, owner):
    from matchmaker.accounts.models import AccountStatus

    seed = create_seed(owner, SeedStatus.DRAFT)
    user = make_user(Role.PROVIDER, org=owner.organization, status=AccountStatus.SUSPENDED)
    login_as(user=user)
    response = client.post(f"/seeds/{seed.id}/publish", data={})
    assert response.status_code in (302, 403)  # signed out or refused, never published
    assert db.session.get(Seed, seed.id).status is SeedStatus.DRAFT
