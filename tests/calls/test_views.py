"""Call pages: the form (errors, Tokyo times stored in UTC), detail, list, documents."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import Call, CallDocument, CallStatus
from matchmaker.db import utcnow
from matchmaker.extensions import db
from tests.calls.conftest import PDF, make_call
from tests.factories import make_need, make_user

S = CallStatus


def form(**overrides) -> dict:
    data = {
        "title": "見守りセンサー実証の公募",
        "description": "高齢者宅でのセンサー実証",
        "eligibility": "都内に拠点のある事業者",
        "opens_at": "2027-01-05T09:00",
        "closes_at": "2027-02-01T17:00",
        "budget_max": "5000000",
        "budget_currency": "JPY",
        "pilot_period": "6か月",
        "language": "ja",
        "criteria-0-name": "効果",
        "criteria-0-description": "転倒の検知率",
        "criteria-0-weight": "60",
        "criteria-1-name": "費用",
        "criteria-1-weight": "40",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def calls_of(need) -> list[Call]:
    return list(db.session.scalars(select(Call).where(Call.need_id == need.id)))


def test_create_call_stores_tokyo_times_in_utc(client, login_as, need, owner):
    login_as(user=owner)
    response = client.post(f"/needs/{need.id}/calls/new", data=form())
    assert response.status_code == 302
    (call,) = calls_of(need)
    assert call.status is S.DRAFT and call.created_by_id == owner.id
    assert call.opens_at == datetime(2027, 1, 5, 0, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2027, 2, 1, 8, 0, tzinfo=UTC)
    assert [(c.name, c.weight) for c in call.criteria] == [("効果", 60), ("費用", 40)]
    assert call.budget_max == 5_000_000 and call.budget_currency == "JPY"
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "2027-01-05 09:00 JST" in page and "2027-02-01 17:00 JST" in page
    assert "60%" in page and "40%" in page
    assert "¥5,000,000" in page


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"closes_at": "2027-01-05T09:00"}, "The call must close after it opens."),
        ({"closes_at": "2027-01-01T09:00"}, "The call must close after it opens."),
        ({"opens_at": "soon"}, "Not a valid datetime value."),
        ({"title": ""}, "This field is required."),
        (
            {"criteria-0-name": "", "criteria-1-name": ""},
            "Give at least one evaluation criterion with a weight.",
        ),
        ({"criteria-0-weight": "0"}, "A weight is a whole number from 1 to 100."),
        ({"criteria-0-weight": "101"}, "A weight is a whole number from 1 to 100."),
        ({"criteria-0-weight": ""}, "Give this criterion a weight from 1 to 100."),
        ({"budget_max": "-5"}, "Number must be between"),
        ({"budget_currency": "BTC"}, "Not a valid choice."),
    ],
)
def test_form_errors_change_nothing(client, login_as, need, owner, overrides, message):
    login_as(user=owner)
    response = client.post(f"/needs/{need.id}/calls/new", data=form(**overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert calls_of(need) == []


def test_edit_keeps_values_in_tokyo_time(client, login_as, need, owner):
    call = make_call(
        need,
        S.DRAFT,
        opens_at=datetime(2027, 1, 5, 0, 0, tzinfo=UTC),
        closes_at=datetime(2027, 2, 1, 8, 0, tzinfo=UTC),
    )
    login_as(user=owner)
    page = client.get(f"/calls/{call.id}/edit").get_data(as_text=True)
    assert 'value="2027-01-05T09:00"' in page and 'value="2027-02-01T17:00"' in page
    response = client.post(
        f"/calls/{call.id}/edit",
        data=form(title="改訂版", version=str(call.version), **{"criteria-1-name": ""}),
    )
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.title == "改訂版" and [c.name for c in call.criteria] == ["効果"]


def test_a_stale_edit_is_refused(client, login_as, need, owner):
    call = make_call(need, S.DRAFT, opens_at=utcnow() + timedelta(days=1))
    login_as(user=owner)
    response = client.post(f"/calls/{call.id}/edit", data=form(version=str(call.version + 5)))
    assert response.status_code == 409
    db.session.refresh(call)
    assert call.title != "見守りセンサー実証の公募"


def test_publish_from_the_page(client, login_as, need, owner):
    call = make_call(
        need, S.DRAFT, opens_at=utcnow() + timedelta(days=3), closes_at=utcnow() + timedelta(days=9)
    )
    login_as(user=owner)
    response = client.post(f"/calls/{call.id}/publish", data={"version": str(call.version)})
    assert response.status_code == 302
    db.session.refresh(call)
    assert call.status is S.SCHEDULED
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Opens in 2 days" in page or "Opens in 3 days" in page


def test_publishing_twice_is_refused(client, login_as, need, owner):
    call = make_call(need, S.SCHEDULED)
    login_as(user=owner)
    response = client.post(f"/calls/{call.id}/publish", data={})
    assert response.status_code == 409


def test_detail_shows_countdown_need_link_and_proposal_link(client, login_as, need, app):
    call = make_call(
        need,
        S.OPEN,
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() + timedelta(days=5, hours=1),
    )
    login_as(Role.PROVIDER)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "Closes in 5 days" in page
    assert f'href="/needs/{need.id}"' in page
    has_route = "proposals.new_proposal" in app.view_functions
    assert (f"/calls/{call.id}/proposals/new" in page) is has_route


def test_closed_calls_offer_no_proposal_link(client, login_as, need):
    call = make_call(
        need,
        S.OPEN,
        opens_at=utcnow() - timedelta(days=1),
        closes_at=utcnow() - timedelta(minutes=1),
    )
    login_as(Role.PROVIDER)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "no longer accepts proposals" in page
    assert "/proposals/new" not in page


def test_list_puts_open_calls_first_and_filters(client, need):
    other_need = make_need(policy_areas=("mobility",), title="バス路線")
    decided = make_call(need, S.DECIDED, title="決定済みの公募")
    open_call = make_call(other_need, S.OPEN, title="オンデマンドバスの公募")
    make_call(need, S.DRAFT, title="下書きの公募")
    make_call(need, S.CANCELLED, title="中止の公募")
    page = client.get("/calls").get_data(as_text=True)
    assert page.index("オンデマンドバスの公募") < page.index("決定済みの公募")
    assert "下書きの公募" not in page and "中止の公募" not in page
    page = client.get("/calls", query_string={"area": "mobility"}).get_data(as_text=True)
    assert open_call.title in page and decided.title not in page
    page = client.get("/calls", query_string={"status": "decided"}).get_data(as_text=True)
    assert decided.title in page and open_call.title not in page
    page = client.get("/calls", query_string={"q": "バス"}).get_data(as_text=True)
    assert open_call.title in page and decided.title not in page


@pytest.mark.parametrize(
    "query", [{"status": "draft"}, {"status": "nope"}, {"area": "x"}, {"page": "abc"}]
)
def test_bad_list_parameters_are_400(client, query):
    assert client.get("/calls", query_string=query).status_code == 400


def test_unknown_call_is_404(client):
    assert client.get("/calls/999999").status_code == 404
    assert client.get("/calls/99999999999").status_code == 404


def test_upload_valid_pdf_and_download(client, login_as, need, owner):
    call = make_call(need, S.OPEN)
    login_as(user=owner)
    response = client.post(
        f"/calls/{call.id}/documents",
        data={"title": "募集要項", "file": (io.BytesIO(PDF), "youkou.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    (doc,) = db.session.scalars(select(CallDocument).where(CallDocument.call_id == call.id))
    assert doc.title == "募集要項" and doc.attachment.original_name == "youkou.pdf"
    login_as(Role.PROVIDER)
    download = client.get(f"/calls/{call.id}/documents/{doc.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/calls/{call.id + 1}/documents/{doc.id}").status_code == 404


@pytest.mark.parametrize(
    "upload,status",
    [
        ((io.BytesIO(b"<html>not a pdf</html>"), "fake.pdf"), 422),
        ((io.BytesIO(b""), "empty.pdf"), 422),
        (None, 422),
    ],
)
def test_upload_invalid_files_is_refused(client, login_as, need, owner, upload, status):
    call = make_call(need, S.OPEN)
    login_as(user=owner)
    data = {"title": "x"}
    if upload:
        data["file"] = upload
    response = client.post(
        f"/calls/{call.id}/documents", data=data, content_type="multipart/form-data"
    )
    assert response.status_code == status
    assert (
        db.session.scalars(select(CallDocument).where(CallDocument.call_id == call.id)).all() == []
    )


def test_no_documents_once_the_call_is_closed(client, login_as, need, owner):
    call = make_call(need, S.UNDER_EVALUATION)
    login_as(user=owner)
    response = client.post(
        f"/calls/{call.id}/documents",
        data={"file": (io.BytesIO(PDF), "late.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 409


def test_need_page_lists_calls_and_offers_to_open_one(client, login_as, need, owner):
    call = make_call(need, S.OPEN, title="公開中の公募")
    draft = make_call(need, S.DRAFT, title="準備中の公募")
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert call.title in page and draft.title not in page
    assert f"/needs/{need.id}/calls/new" not in page
    login_as(user=owner)
    page = client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert draft.title in page and f"/needs/{need.id}/calls/new" in page


def test_manage_lists_own_department_calls(client, login_as, need, owner):
    mine = make_call(need, S.DRAFT, title="自局の公募")
    theirs = make_call(make_need(), S.DRAFT, title="他局の公募")
    login_as(user=owner)
    page = client.get("/calls/manage").get_data(as_text=True)
    assert mine.title in page and theirs.title not in page
    login_as(Role.COORDINATOR)
    page = client.get("/calls/manage").get_data(as_text=True)
    assert mine.title in page and theirs.title in page


def test_dashboard_links_to_calls(client, login_as):
    login_as(Role.PROVIDER)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "/calls/for-me" in page and 'href="/calls"' in page
    login_as(Role.DEPARTMENT, user=make_user(Role.DEPARTMENT))
    assert "/calls/manage" in client.get("/dashboard").get_data(as_text=True)


def test_signed_in_readers_can_follow_a_public_call(client, login_as, need):
    call = make_call(need, S.OPEN)
    login_as(Role.PROVIDER)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert f"/follow/call/{call.id}" in page or "follow-form" in page
