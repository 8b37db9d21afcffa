"""The seed detail page: facts, translation notes, escaping, and only the allowed buttons."""

from __future__ import annotations

import re

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.seeds.models import Seed, SeedStatus
from tests.factories import make_seed
from tests.seeds.helpers import create_seed, sign_in


def buttons(page: str) -> list[str]:
    """Labels of the POST action forms on the page (the sign-out form excluded)."""
    return re.findall(r'<form method="post" action="/seeds/\d+/(\w+)"', page)


def test_detail_shows_every_fact(client, owner):
    owner.organization.name = "Tokyo Drone Lab"
    seed = create_seed(
        owner,
        title="Flood drone",
        summary="Maps floods.",
        description="Flies along rivers.\nUploads images.",
        trl=9,
        policy_areas=("disaster_prevention", "data_platform"),
        keywords=("drone", "flood"),
        track_record="Used in Chiba.",
        website="https://drone.example.org/",
        ready_for_pilot=True,
    )
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    for text in (
        "Flood drone",
        "Maps floods.",
        "Flies along rivers.",
        "Uploads images.",
        "Tokyo Drone Lab",
        "Startup",
        "Proven in operation",
        "Disaster prevention",
        "Data platforms (Smart Tokyo)",
        "<li>drone</li>",
        "<li>flood</li>",
        "Used in Chiba.",
        "Ready for pilot",
        "English",
    ):
        assert text in page, text
    assert ('<a href="https://drone.example.org/" rel="noopener nofollow" target="_blank">') in page
    assert "status-published" not in page  # status badge only for the owners


@pytest.mark.parametrize(
    "trl,label",
    [
        (1, "Basic principles observed"),
        (5, "Validated in a realistic setting"),
        (9, "Proven in operation"),
    ],
)
def test_trl_label(client, owner, trl, label):
    seed = create_seed(owner, trl=trl)
    assert f"{trl} — {label}" in client.get(f"/seeds/{seed.id}").get_data(as_text=True)


def test_translation_is_shown_to_readers_of_the_other_language(client, owner):
    seed = create_seed(
        owner,
        title="見守りセンサー",
        summary="高齢者を見守る。",
        language="ja",
        title_translated="Watch-over sensor",
        summary_translated="Watches over elderly people.",
    )
    page = client.get(f"/seeds/{seed.id}?lang=en").get_data(as_text=True)
    assert '<h1 lang="en">Watch-over sensor</h1>' in page
    assert "Watches over elderly people." in page
    assert "Translation provided by the author" in page
    assert "見守りセンサー" in page and "高齢者を見守る。" in page  # the original too
    assert 'class="translation-note"' in page
    page = client.get(f"/seeds/{seed.id}?lang=ja").get_data(as_text=True)
    assert "Watch-over sensor" not in page and "translation-note" not in page


def test_missing_translation_is_said(client, owner):
    seed = create_seed(owner, title="見守りセンサー", summary="高齢者を見守る。", language="ja")
    page = client.get(f"/seeds/{seed.id}?lang=en").get_data(as_text=True)
    assert 'class="translation-note">No translation available' in page
    assert '<h1 lang="ja">見守りセンサー</h1>' in page


def test_user_content_is_escaped(client, owner):
    seed = create_seed(
        owner, title="<script>alert(1)</script>", summary="<b>bold</b>", keywords=("<i>x</i>",)
    )
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page and "<i>x</i>" not in page


def test_unsafe_stored_website_is_not_linked(client, owner):
    seed = make_seed(org=owner.organization, website="javascript:alert(1)")
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert 'href="javascript:' not in page


# Buttons per status and actor: computed from the workflow, so page and server agree.
BUTTONS = {
    ("draft", "owner"): ["publish", "archive"],
    ("published", "owner"): ["unpublish", "archive"],
    ("archived", "owner"): ["restore"],
    ("published", "admin"): ["archive"],
    ("published", "anonymous"): [],
    ("published", "other_provider"): [],
    ("published", "department"): [],
    ("published", "coordinator"): [],
}


@pytest.mark.parametrize("status,actor", BUTTONS.keys())
def test_action_buttons(client, login_as, owner, status, actor):
    seed = create_seed(owner, status)
    sign_in(login_as, actor, owner)
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert buttons(page) == BUTTONS[(status, actor)]
    assert ("/edit" in page) == (actor == "owner" and status != "archived")
    for action in buttons(page):
        # each button is a POST form with a CSRF token and the current version
        form = page.split(f'action="/seeds/{seed.id}/{action}"', 1)[1].split("</form>", 1)[0]
        assert 'name="csrf_token"' in form and f'name="version" value="{seed.version}"' in form
    if actor == "owner":
        assert f"status-{status}" in page


def test_draft_page_has_a_publish_button_that_works(client, login_as, owner):
    seed = create_seed(owner, SeedStatus.DRAFT)
    login_as(user=owner)
    page = client.get(f"/seeds/{seed.id}").get_data(as_text=True)
    assert ">Publish</button>" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(f"/seeds/{seed.id}/publish", data={"version": version})
    assert response.status_code == 302
    assert db.session.get(Seed, seed.id).status is SeedStatus.PUBLISHED
    assert ">Return to draft</button>" in client.get(f"/seeds/{seed.id}").get_data(as_text=True)


def test_full_flow_through_the_pages(client, login_as):
    """Register, save a draft, publish, find it in the public list as an anonymous reader."""
    login_as(Role.PROVIDER)
    response = client.post(
        "/seeds/new",
        data={
            "title": "介護ロボット",
            "summary": "移乗を支援するロボット。",
            "trl": "6",
            "policy_areas": ["nursing_care_work"],
            "language": "ja",
            "keywords": "介護、ロボット",
        },
    )
    assert response.status_code == 302
    detail = response.location
    assert "介護ロボット" not in client.get("/seeds?q=介護").get_data(as_text=True)
    page = client.get(detail).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert client.post(f"{detail}/publish", data={"version": version}).status_code == 302
    with client.session_transaction() as sess:
        sess.pop("_user_id")
    assert "介護ロボット" in client.get("/seeds?q=介護").get_data(as_text=True)
    assert client.get(detail).status_code == 200
