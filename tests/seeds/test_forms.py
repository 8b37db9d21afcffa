"""Creating and editing seeds: validation, no mass assignment, versions and audit rows."""

from __future__ import annotations

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.seeds.models import Seed, SeedStatus
from tests.factories import make_org
from tests.seeds.helpers import audit_events, create_seed, form_data, seed_count


def only_seed() -> Seed:
    return db.session.scalars(db.select(Seed)).one()


def test_create_form_renders_with_the_expected_fields(client, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/seeds/new").get_data(as_text=True)
    for name in (
        "title",
        "summary",
        "description",
        "trl",
        "policy_areas",
        "keywords",
        "track_record",
        "website",
        "ready_for_pilot",
        "language",
        "title_translated",
        "summary_translated",
        "csrf_token",
    ):
        assert f'name="{name}"' in page, name
    assert "Save draft" in page
    assert "Basic principles observed" in page and "Proven in operation" in page


def test_create_stores_a_draft_with_every_field(client, login_as):
    user = login_as(Role.PROVIDER)
    response = client.post("/seeds/new", data=form_data())
    assert response.status_code == 302
    seed = only_seed()
    assert response.location == f"/seeds/{seed.id}"
    assert seed.status is SeedStatus.DRAFT and seed.published_at is None
    assert seed.organization_id == user.organization_id and seed.created_by_id == user.id
    assert seed.title == "防災ドローンによる被災状況の把握"
    assert seed.trl == 7 and seed.language == "ja" and seed.ready_for_pilot is True
    assert seed.policy_areas == ["data_platform", "disaster_prevention"]
    assert seed.keywords == ["ドローン", "防災", "mapping"]
    assert seed.website == "https://drone.example.org/"
    assert seed.title_translated == "Disaster drone mapping"
    # search_text: normalised, includes keywords, track record and policy-area labels
    for fragment in (
        "防災ドローン",
        "mapping",
        "pilot with two wards",
        "data platforms",
        "データ利活用",
        "disaster drone mapping",
    ):
        assert fragment in seed.search_text
    event = audit_events("seed_create")[-1]
    assert event.actor_id == user.id and event.object_id == seed.id
    assert event.details == {"from_status": None, "to_status": "draft"}


def test_optional_fields_may_be_empty(client, login_as):
    login_as(Role.PROVIDER)
    response = client.post(
        "/seeds/new",
        data=form_data(
            description="",
            keywords="",
            track_record="",
            website="",
            ready_for_pilot=None,
            title_translated="",
            summary_translated="",
            policy_areas="education",
        ),
    )
    assert response.status_code == 302
    seed = only_seed()
    assert seed.keywords == [] and seed.website == "" and seed.ready_for_pilot is False
    assert seed.title_translated is None and seed.policy_areas == ["education"]


def test_keywords_are_split_trimmed_and_deduplicated(client, login_as):
    login_as(Role.PROVIDER)
    client.post("/seeds/new", data=form_data(keywords=" AI ,ai、 見守り ,, センサー，IoT "))
    assert only_seed().keywords == ["AI", "見守り", "センサー", "IoT"]


INVALID = {
    "missing title": ({"title": ""}, "This field is required"),
    "blank title": ({"title": "   "}, "This field is required"),
    "title too long": ({"title": "x" * 201}, "200"),
    "missing summary": ({"summary": None}, "This field is required"),
    "summary too long": ({"summary": "x" * 1001}, "1000"),
    "TRL 12": ({"trl": "12"}, "Not a valid choice"),
    "TRL 0": ({"trl": "0"}, "Not a valid choice"),
    "TRL abc": ({"trl": "abc"}, "Invalid Choice"),
    "TRL missing": ({"trl": None}, "This field is required"),
    "no policy area": ({"policy_areas": None}, "Choose at least one policy area"),
    "unknown policy area": ({"policy_areas": ["nope"]}, "not a valid choice"),
    "javascript website": ({"website": "javascript:alert(1)"}, "http:// or https://"),
    "data website": ({"website": "data:text/html,hi"}, "http:// or https://"),
    "website without host": ({"website": "http://"}, "http:// or https://"),
    "ftp website": ({"website": "ftp://example.org"}, "http:// or https://"),
    "website with spaces": ({"website": "https://exa mple.org"}, "http:// or https://"),
    "too many keywords": ({"keywords": ",".join(f"k{i}" for i in range(21))}, "At most 20"),
    "keyword too long": ({"keywords": "a" * 41}, "at most 40 characters"),
    "unknown language": ({"language": "fr"}, "Not a valid choice"),
    "translated title too long": ({"title_translated": "x" * 201}, "200"),
}


@pytest.mark.parametrize("overrides,message", INVALID.values(), ids=INVALID.keys())
def test_invalid_create_is_a_form_error_and_stores_nothing(client, login_as, overrides, message):
    login_as(Role.PROVIDER)
    response = client.post("/seeds/new", data=form_data(**overrides))
    assert response.status_code == 200
    assert message.encode() in response.data
    assert b'class="error"' in response.data
    assert seed_count() == 0
    assert audit_events("seed_create") == []


@pytest.mark.parametrize(
    "content_type,expected",
    [("application/x-www-form-urlencoded", 200), ("multipart/form-data", 413)],
)
def test_huge_title_is_refused_without_a_500(client, login_as, content_type, expected):
    login_as(Role.PROVIDER)
    response = client.post(
        "/seeds/new", data=form_data(title="x" * (5 * 1024 * 1024)), content_type=content_type
    )
    assert response.status_code == expected
    assert seed_count() == 0


def test_nul_bytes_are_dropped(client, login_as):
    login_as(Role.PROVIDER)
    assert client.post("/seeds/new", data=form_data(title="Nul\x00 title")).status_code == 302
    assert only_seed().title == "Nul title"


def test_no_mass_assignment(client, login_as):
    user = login_as(Role.PROVIDER)
    other = make_org()
    response = client.post(
        "/seeds/new",
        data=form_data(
            status="published",
            organization_id=str(other.id),
            created_by_id="1",
            version="99",
            search_text="injected",
            published_at="2020-01-01",
        ),
    )
    assert response.status_code == 302
    seed = only_seed()
    assert seed.status is SeedStatus.DRAFT and seed.organization_id == user.organization_id
    assert seed.version == 1 and "injected" not in seed.search_text
    assert seed.published_at is None


def test_create_without_csrf_token_is_refused(client, login_as):
    login_as(Role.PROVIDER)
    assert client.post("/seeds/new", data=form_data(), csrf=False).status_code == 400
    assert seed_count() == 0


# --- editing -----------------------------------------------------------------------------------


def test_edit_form_is_prefilled_with_the_version(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT, keywords=("AI", "見守り"))
    login_as(user=owner)
    page = client.get(f"/seeds/{seed.id}/edit").get_data(as_text=True)
    assert 'value="AI fall detection sensor"' in page
    assert 'value="AI, 見守り"' in page
    assert f'name="version" type="hidden" value="{seed.version}"' in page
    assert "Save changes" in page


def test_edit_updates_fields_search_text_and_audit(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT, keywords=("oldword",))
    seed_id, version = seed.id, seed.version
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed_id}/edit",
        data=form_data(
            title="New title",
            keywords="newword",
            policy_areas=["education"],
            trl="3",
            version=str(version),
        ),
    )
    assert response.status_code == 302 and response.location == f"/seeds/{seed_id}"
    seed = db.session.get(Seed, seed_id)
    assert seed.title == "New title" and seed.trl == 3 and seed.keywords == ["newword"]
    assert seed.policy_areas == ["education"]
    assert seed.version == version + 1 and seed.status is SeedStatus.DRAFT
    assert "newword" in seed.search_text and "oldword" not in seed.search_text
    assert "elderly" not in seed.search_text and "education" in seed.search_text
    event = audit_events("seed_update")[-1]
    assert event.actor_id == owner.id and event.object_id == seed_id
    assert event.details == {"from_status": "draft", "to_status": "draft"}


def test_editing_a_published_seed_keeps_it_published(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.PUBLISHED)
    published_at = seed.published_at
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed.id}/edit", data=form_data(title="Still public", version=str(seed.version))
    )
    assert response.status_code == 302
    seed = db.session.get(Seed, seed.id)
    assert seed.status is SeedStatus.PUBLISHED and seed.title == "Still public"
    assert seed.published_at.replace(tzinfo=None) == published_at.replace(tzinfo=None)
    assert audit_events("seed_update")[-1].details["to_status"] == "published"


def test_stale_version_is_a_conflict_and_changes_nothing(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    stale = seed.version
    seed.title = "Edited in another tab"
    db.session.flush()
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed.id}/edit", data=form_data(title="Late edit", version=str(stale))
    )
    assert response.status_code == 409
    assert b"changed by someone else" in response.data
    assert b'value="Late edit"' in response.data  # the user's input is not thrown away
    seed = db.session.get(Seed, seed.id)
    assert seed.title == "Edited in another tab"
    assert audit_events("seed_update") == []


@pytest.mark.parametrize("version", [None, "", "abc", "１"])
def test_missing_or_malformed_version_is_a_form_error(client, login_as, owner, version):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed.id}/edit", data=form_data(title="No version", version=version)
    )
    assert response.status_code == 200 and b"Reload the page" in response.data
    assert db.session.get(Seed, seed.id).title == "AI fall detection sensor"


@pytest.mark.parametrize("overrides,message", INVALID.values(), ids=INVALID.keys())
def test_invalid_edit_changes_nothing(client, login_as, owner, overrides, message):
    seed = create_seed(owner, SeedStatus.DRAFT)
    seed_id, version = seed.id, seed.version
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed_id}/edit", data=form_data(version=str(version), **overrides)
    )
    assert response.status_code == 200 and message.encode() in response.data
    seed = db.session.get(Seed, seed_id)
    assert seed.version == version and seed.title == "AI fall detection sensor"


def test_huge_edit_is_refused_without_a_500(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed.id}/edit",
        data=form_data(title="x" * (5 * 1024 * 1024), version=str(seed.version)),
    )
    assert response.status_code in (200, 400, 413)
    assert db.session.get(Seed, seed.id).title == "AI fall detection sensor"


def test_archived_seed_cannot_be_edited(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.ARCHIVED)
    login_as(user=owner)
    response = client.post(
        f"/seeds/{seed.id}/edit", data=form_data(title="Zombie", version=str(seed.version))
    )
    assert response.status_code == 409 and b"Restore it first" in response.data
    assert db.session.get(Seed, seed.id).title == "AI fall detection sensor"
