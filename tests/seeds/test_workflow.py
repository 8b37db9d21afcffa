"""The seed state machine: every action from every status, by every kind of actor."""

from __future__ import annotations

import pytest

from matchmaker.common.errors import Conflict, IllegalTransition, NotAllowed
from matchmaker.extensions import db
from matchmaker.seeds import services
from matchmaker.seeds.models import Seed, SeedStatus
from tests.seeds.helpers import ACTOR_KINDS, MEMBERS, audit_events, create_seed, sign_in

# Written out independently of the code's table, so a change to either is noticed.
EXPECTED = {
    ("publish", "draft"): ("published", {"owner", "colleague"}),
    ("unpublish", "published"): ("draft", {"owner", "colleague"}),
    ("archive", "published"): ("archived", {"owner", "colleague", "admin"}),
    ("archive", "draft"): ("archived", {"owner", "colleague"}),
    ("restore", "archived"): ("draft", {"owner", "colleague"}),
}
# Actions an actor kind may make from some status at all (else: 403 rather than 409).
CAPABLE = {"owner": set(services.ACTIONS), "colleague": set(services.ACTIONS), "admin": {"archive"}}


def expected_outcome(action: str, status: str, actor: str) -> tuple[int, str]:
    """(HTTP status, seed status afterwards) for one cell of the matrix."""
    if actor == "anonymous":
        return 302, status  # sent to the sign-in page
    if status != "published" and actor not in MEMBERS:
        return 404, status  # other organizations' drafts and archived seeds do not exist
    allowed = EXPECTED.get((action, status))
    if allowed and actor in allowed[1]:
        return 302, allowed[0]
    if action not in CAPABLE.get(actor, set()):
        return 403, status
    return 409, status


def test_table_in_code_matches_the_specification():
    table = {
        (t.action, t.source.value): (t.target.value, set(t.roles))
        for t in services.SEED_WORKFLOW.transitions
    }
    assert table == {
        ("publish", "draft"): ("published", {"owner"}),
        ("unpublish", "published"): ("draft", {"owner"}),
        ("archive", "published"): ("archived", {"owner", "admin"}),
        ("archive", "draft"): ("archived", {"owner"}),
        ("restore", "archived"): ("draft", {"owner"}),
    }


@pytest.mark.parametrize("actor", ACTOR_KINDS)
@pytest.mark.parametrize("status", [s.value for s in SeedStatus])
@pytest.mark.parametrize("action", services.ACTIONS)
def test_transition_matrix(client, login_as, owner, action, status, actor):
    seed = create_seed(owner, status)
    seed_id, version = seed.id, seed.version
    before = len(audit_events())
    user = sign_in(login_as, actor, owner)

    response = client.post(f"/seeds/{seed_id}/{action}", data={"version": str(version)})

    code, after = expected_outcome(action, status, actor)
    assert response.status_code == code, response.data[:500]
    seed = db.session.get(Seed, seed_id)
    assert seed.status.value == after
    events = audit_events()
    if code == 302 and actor != "anonymous":
        assert len(events) == before + 1
        event = events[-1]
        assert event.action == f"seed_{action}"
        assert event.actor_id == user.id and event.object_type == "seed"
        assert event.object_id == seed_id
        assert event.details["from_status"] == status
        assert event.details["to_status"] == after
        assert seed.version == version + 1
    else:
        assert len(events) == before
        assert seed.version == version
    if actor == "anonymous":
        assert "/login" in response.location


def test_illegal_transition_message_is_clear(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.ARCHIVED)
    login_as(user=owner)
    response = client.post(f"/seeds/{seed.id}/publish", data={})
    assert response.status_code == 409
    assert b"is not possible while the status is" in response.data


def test_publish_sets_published_at(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    assert seed.published_at is None
    login_as(user=owner)
    response = client.post(f"/seeds/{seed.id}/publish", data={"version": str(seed.version)})
    assert response.status_code == 302 and response.location == f"/seeds/{seed.id}"
    seed = db.session.get(Seed, seed.id)
    assert seed.status is SeedStatus.PUBLISHED and seed.published_at is not None


def test_admin_moderation_archive_redirects_to_the_list(client, login_as, owner):
    seed = create_seed(owner)
    admin = login_as("admin")
    response = client.post(f"/seeds/{seed.id}/archive", data={})
    assert response.status_code == 302 and response.location == "/seeds"
    event = audit_events("seed_archive")[-1]
    assert event.actor_id == admin.id and event.details["acting_as"] == "admin"
    assert client.get(f"/seeds/{seed.id}").status_code == 404


def test_stale_version_on_an_action_is_a_conflict(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    stale = seed.version
    seed.title = "Changed elsewhere"
    db.session.flush()
    login_as(user=owner)
    response = client.post(f"/seeds/{seed.id}/publish", data={"version": str(stale)})
    assert response.status_code == 409
    assert b"changed by someone else" in response.data
    assert db.session.get(Seed, seed.id).status is SeedStatus.DRAFT


@pytest.mark.parametrize("version", ["abc", "-1", "１"])
def test_malformed_version_on_an_action_is_a_400(client, login_as, owner, version):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    response = client.post(f"/seeds/{seed.id}/publish", data={"version": version})
    assert response.status_code == 400
    assert db.session.get(Seed, seed.id).status is SeedStatus.DRAFT


def test_actions_need_a_csrf_token(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    response = client.post(f"/seeds/{seed.id}/publish", data={}, csrf=False)
    assert response.status_code == 400
    assert db.session.get(Seed, seed.id).status is SeedStatus.DRAFT


def test_actions_are_post_only_and_unknown_actions_do_not_exist(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    assert client.get(f"/seeds/{seed.id}/publish").status_code == 405
    assert client.post(f"/seeds/{seed.id}/delete", data={}).status_code in (404, 405)
    assert client.post("/seeds/999999/publish", data={}).status_code == 404


class TestServiceLayer:
    """The service refuses on its own, whatever the caller did before."""

    @pytest.fixture(autouse=True)
    def _request(self, app):
        with app.test_request_context("/?lang=en"):
            yield

    def test_illegal_transition_changes_nothing(self, owner):
        seed = create_seed(owner, SeedStatus.PUBLISHED)
        with pytest.raises(IllegalTransition):
            services.transition(seed, "publish", owner)
        assert seed.status is SeedStatus.PUBLISHED

    def test_stranger_is_refused(self, owner):
        from matchmaker.accounts.models import Role
        from tests.factories import make_user

        seed = create_seed(owner, SeedStatus.DRAFT)
        with pytest.raises(NotAllowed):
            services.transition(seed, "publish", make_user(Role.PROVIDER))
        with pytest.raises(NotAllowed):
            services.transition(seed, "archive", make_user(Role.ADMIN))
        assert seed.status is SeedStatus.DRAFT

    def test_stale_version_is_refused(self, owner):
        seed = create_seed(owner, SeedStatus.DRAFT)
        with pytest.raises(Conflict):
            services.transition(seed, "publish", owner, expected_version=seed.version - 1)

    def test_allowed_actions_follow_the_table(self, owner):
        from matchmaker.accounts.models import Role
        from tests.factories import make_user

        seed = create_seed(owner, SeedStatus.PUBLISHED)
        admin = make_user(Role.ADMIN)
        assert [t.action for t in services.allowed_actions(owner, seed)] == ["unpublish", "archive"]
        assert [t.action for t in services.allowed_actions(admin, seed)] == ["archive"]
        assert services.allowed_actions(None, seed) == []
