"""Following public needs and calls: routes, the button, and who may follow what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import Call, CallStatus
from matchmaker.extensions import db
from matchmaker.needs.models import NeedStatus
from matchmaker.notifications.models import Follow
from tests.factories import make_need


def make_call(status=CallStatus.OPEN) -> Call:
    need = make_need()
    opens = datetime(2026, 12, 1, tzinfo=UTC)
    call = Call(
        need=need,
        organization_id=need.organization_id,
        status=status,
        title="見守りセンサーの実証",
        opens_at=opens,
        closes_at=opens + timedelta(days=30),
    )
    db.session.add(call)
    db.session.flush()
    return call


def follows_of(user) -> set[tuple[str, int]]:
    rows = db.session.execute(
        select(Follow.subject_type, Follow.subject_id).where(Follow.user_id == user.id)
    ).all()
    return {tuple(r) for r in rows}


def test_follow_and_unfollow_a_need_from_its_page(client, login_as):
    need = make_need()
    user = login_as(Role.PROVIDER)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'action="/follow/need/{need.id}"' in page and "Follow" in page

    response = client.post(f"/follow/need/{need.id}", data={})
    assert response.status_code == 302 and response.location.endswith(f"/needs/{need.id}")
    client.post(f"/follow/need/{need.id}", data={})  # a double click keeps one row
    assert follows_of(user) == {("need", need.id)}
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert f'action="/follow/need/{need.id}/delete"' in page and "Unfollow" in page

    response = client.post(f"/follow/need/{need.id}/delete", data={})
    assert response.status_code == 302
    assert follows_of(user) == set()


def test_following_a_public_call_returns_to_the_given_page(client, login_as):
    call = make_call()
    user = login_as(Role.REVIEWER)
    response = client.post(f"/follow/call/{call.id}", data={"next": "/calls?x=1"})
    assert response.status_code == 302 and response.location == "/calls?x=1"
    evil = client.post(f"/follow/call/{call.id}", data={"next": "https://evil.example"})
    assert "evil" not in evil.location
    assert follows_of(user) == {("call", call.id)}


@pytest.mark.parametrize("status", [NeedStatus.DRAFT, NeedStatus.IN_REVIEW, NeedStatus.ARCHIVED])
def test_a_need_that_is_not_public_cannot_be_followed(client, login_as, status):
    need = make_need(status=status)
    user = login_as(Role.PROVIDER)
    assert client.post(f"/follow/need/{need.id}", data={}).status_code == 404
    assert client.post(f"/follow/need/{need.id}/delete", data={}).status_code == 404
    assert follows_of(user) == set()


@pytest.mark.parametrize("status", [CallStatus.DRAFT, CallStatus.CANCELLED])
def test_a_call_that_is_not_public_cannot_be_followed(client, login_as, status):
    call = make_call(status)
    user = login_as(Role.PROVIDER)
    assert client.post(f"/follow/call/{call.id}", data={}).status_code == 404
    assert follows_of(user) == set()


def test_unknown_subjects_are_404(client, login_as):
    login_as(Role.PROVIDER)
    assert client.post("/follow/need/999999", data={}).status_code == 404
    assert client.post("/follow/call/999999", data={}).status_code == 404
    assert client.post("/follow/seed/1", data={}).status_code == 404
    assert client.post("/follow/need/99999999999999", data={}).status_code == 404


def test_a_need_that_stopped_being_public_can_still_be_unfollowed(client, login_as):
    need = make_need()
    user = login_as(Role.PROVIDER)
    client.post(f"/follow/need/{need.id}", data={})
    need.status = NeedStatus.ARCHIVED
    db.session.flush()
    assert client.post(f"/follow/need/{need.id}/delete", data={}).status_code == 302
    assert follows_of(user) == set()


def test_visitors_see_no_button_and_are_sent_to_sign_in(client):
    need = make_need()
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "/follow/need/" not in page
    response = client.post(f"/follow/need/{need.id}", data={})
    assert response.status_code == 302 and response.location.startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_following_needs_the_csrf_token(client, login_as):
    need = make_need()
    user = login_as(Role.PROVIDER)
    assert client.post(f"/follow/need/{need.id}", data={}, csrf=False).status_code == 400
    assert follows_of(user) == set()


def test_the_macro_renders_from_any_template(app, login_as, client):
    """Other pages import it without context; `following` may be given or looked up."""
    need = make_need()
    source = (
        '{% from "notifications/_follow.html" import follow_button %}'
        "{{ follow_button('need', id) }}|{{ follow_button('call', id, following=True) }}"
    )
    with app.test_request_context():
        html = app.jinja_env.from_string(source).render(id=need.id)
    # a visitor: no button unless the page says the state
    left, right = html.split("|")
    assert left.strip() == ""
    assert f"/follow/call/{need.id}/delete" in right
