"""The detail page: facts, budget, translations and exactly the buttons the server allows."""

from __future__ import annotations

import re

import pytest

from matchmaker.accounts.models import Role
from matchmaker.extensions import db
from matchmaker.needs import queries
from matchmaker.needs.models import Need, NeedStatus
from tests.needs.conftest import ACTORS, new_need, sign_in

S = NeedStatus


def page_of(client, need, lang="en") -> str:
    response = client.get(f"/needs/{need.id}", query_string={"lang": lang})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_detail_shows_the_facts(client, owner_user):
    need = new_need(
        owner_user,
        S.PUBLISHED,
        title="河川の水位監視",
        summary="大雨時の水位を把握",
        policy_areas=["disaster_prevention", "data_platform"],
        sdg_goals=[11, 13],
        budget_min=1_000_000,
        budget_max=5_000_000,
        demo_site="多摩川流域",
        timeline="2027年度",
        contact_name="水防 花子",
        contact_email="suibou@example.org",
        min_trl=6,
    )
    page = page_of(client, need, lang="ja")
    for text in (
        "河川の水位監視",
        "大雨時の水位を把握",
        "都市整備局",
        "防災",
        "データ利活用・スマート東京",
        "住み続けられるまちづくりを",
        "気候変動に具体的な対策を",
        "1,000,000円–5,000,000円",
        "多摩川流域",
        "2027年度",
        "水防 花子",
        "suibou@example.org",
        "日本語",
        'class="badge status-published"',
    ):
        assert text in page, text
    assert re.search(r"<dd>\s*6\s*</dd>", page)


@pytest.mark.parametrize(
    "low,high,expected",
    [
        (1_000_000, 5_000_000, "¥1,000,000–¥5,000,000"),
        (2_000_000, 2_000_000, "¥2,000,000"),
        (500_000, None, "from ¥500,000"),
        (None, 3_000_000, "up to ¥3,000,000"),
        (None, None, None),
    ],
)
def test_format_budget(app, low, high, expected):
    with app.test_request_context("/?lang=en"):
        need = Need(budget_min=low, budget_max=high, budget_currency="JPY")
        assert queries.format_budget(need) == expected


def test_translation_is_shown_with_a_note_and_the_original(client, owner_user):
    need = new_need(
        owner_user,
        S.PUBLISHED,
        title="児童館の予約",
        summary="紙の予約をやめたい",
        title_translated="Booking children's centres",
        summary_translated="Stop paper bookings",
    )
    page = page_of(client, need, lang="en")
    assert "Booking children&#39;s centres" in page and "Stop paper bookings" in page
    assert "Translation provided by the author" in page
    assert "児童館の予約" in page and "紙の予約をやめたい" in page  # the original
    assert "No translation available" not in page
    same_language = page_of(client, need, lang="ja")
    assert "translation-note" not in same_language
    assert "Stop paper bookings" not in same_language


def test_missing_translation_is_stated(client, owner_user):
    need = new_need(owner_user, S.PUBLISHED, title="公園の清掃")
    page = page_of(client, need, lang="en")
    assert 'class="translation-note"' in page and "No translation available" in page
    assert "公園の清掃" in page


def buttons(page: str) -> set[str]:
    return set(re.findall(r'action="/needs/\d+/([a-z-]+)"', page))


EXPECTED_BUTTONS = {
    # (status, actor): the POST forms on the page
    (S.DRAFT, "owner"): {"submit"},
    (S.CHANGES_REQUESTED, "owner"): {"submit"},
    (S.IN_REVIEW, "coordinator"): {"approve", "request-changes"},
    (S.IN_REVIEW, "admin"): {"approve", "request-changes"},
    (S.PUBLISHED, "owner"): {"close"},
    (S.PUBLISHED, "coordinator"): {"close"},
    (S.PUBLISHED, "admin"): {"close"},
    (S.CLOSED, "owner"): {"archive"},
    (S.CLOSED, "coordinator"): {"archive"},
    (S.CLOSED, "admin"): {"archive"},
}
EDIT_LINK = {(s, "owner") for s in (S.DRAFT, S.CHANGES_REQUESTED, S.IN_REVIEW, S.PUBLISHED)}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("status", list(S))
def test_buttons_match_what_the_server_allows(
    client, login_as, department, owner_user, actor, status
):
    need = new_need(owner_user, status)
    sign_in(login_as, actor, department)
    response = client.get(f"/needs/{need.id}")
    if response.status_code == 404:
        return  # covered by the visibility matrix
    page = response.get_data(as_text=True)
    assert buttons(page) == EXPECTED_BUTTONS.get((status, actor), set())
    assert (f"/needs/{need.id}/edit" in page) == ((status, actor) in EDIT_LINK)
    for form in re.findall(r'<form method="post" action="/needs/\d+/.*?</form>', page, re.S):
        assert 'name="csrf_token"' in form and f'name="version" value="{need.version}"' in form


def test_button_labels(client, login_as, owner_user):
    draft = new_need(owner_user, S.DRAFT)
    login_as(user=owner_user)
    assert "Submit for review" in page_of(client, draft)
    review = new_need(owner_user, S.IN_REVIEW)
    login_as(Role.COORDINATOR)
    page = page_of(client, review)
    assert ">Approve</button>" in page and 'name="comment"' in page


def test_clicking_through_the_whole_workflow(client, login_as, owner_user):
    """Create → submit → request edits → resubmit → approve → edit (back to review) → approve
    → close → archive, using only what the pages offer."""
    from tests.needs.conftest import valid_form

    login_as(user=owner_user)
    assert client.post("/needs/new", data=valid_form()).status_code == 302
    need = db.session.scalars(db.select(Need)).one()

    def post(path, **data):
        current = db.session.get(Need, need.id)
        response = client.post(
            f"/needs/{need.id}/{path}", data={"version": str(current.version), **data}
        )
        assert response.status_code == 302, response.data[:400]

    post("submit")
    coordinator = login_as(Role.COORDINATOR)
    post("request-changes", comment="連絡先を追加してください")
    login_as(user=owner_user)
    post("submit")
    login_as(user=coordinator)
    post("approve")
    login_as(user=owner_user)
    post("edit", **valid_form(title="改訂したタイトル"))
    assert db.session.get(Need, need.id).status is S.IN_REVIEW
    login_as(user=coordinator)
    post("approve")
    login_as(user=owner_user)
    post("close")
    post("archive")
    need = db.session.get(Need, need.id)
    assert need.status is S.ARCHIVED and need.title == "改訂したタイトル"
    from matchmaker.audit.models import AuditEvent

    actions = db.session.scalars(
        db.select(AuditEvent.action)
        .where(AuditEvent.object_type == "need", AuditEvent.object_id == need.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "need_create",
        "need_submit",
        "need_request_changes",
        "need_submit",
        "need_approve",
        "need_edit",
        "need_approve",
        "need_close",
        "need_archive",
    ]


def test_user_text_is_escaped_and_kept_in_paragraphs(client, owner_user):
    need = new_need(
        owner_user,
        S.PUBLISHED,
        title="<script>alert(1)</script>",
        problem="一段落目\n\n二段落目 <b>太字</b>",
    )
    page = page_of(client, need, lang="ja")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<p lang="ja">一段落目</p><p lang="ja">二段落目 &lt;b&gt;太字&lt;/b&gt;</p>' in page


def test_links_between_list_detail_and_review_queue(client, login_as, owner_user):
    need = new_need(owner_user, S.IN_REVIEW, title="審査待ちのニーズ")
    login_as(Role.COORDINATOR)
    assert "/needs/review" in client.get("/needs").get_data(as_text=True)
    assert f"/needs/{need.id}" in client.get("/needs/review").get_data(as_text=True)
    login_as(user=owner_user)
    assert "/needs/review" not in client.get("/needs").get_data(as_text=True)
