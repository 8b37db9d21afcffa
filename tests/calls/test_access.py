"""Route × role access table for every calls route."""

from __future__ import annotations

import io

import pytest

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallDocument, CallQuestion, CallStatus
from matchmaker.extensions import db
from matchmaker.uploads.services import store_pdf
from tests.calls.conftest import ACTORS, PDF, make_call, sign_in
from tests.factories import make_user

S = CallStatus
ALL = dict.fromkeys(ACTORS, 200)


def table(default, **special):
    row = dict.fromkeys(ACTORS, default)
    row.update(special)
    return row


MANAGE = {"owner": 200, "coordinator": 200, "admin": 200, "other_department": 200}
ROUTES = [
    # (id, method, path template, call status, expected by actor)
    ("list", "GET", "/calls", S.OPEN, ALL),
    ("manage", "GET", "/calls/manage", S.OPEN, table(403, anonymous=302, **MANAGE)),
    ("for_me", "GET", "/calls/for-me", S.OPEN, table(403, anonymous=302, provider=200)),
    (
        "new",
        "GET",
        "/needs/{need}/calls/new",
        S.OPEN,
        table(403, anonymous=302, owner=200, coordinator=200, admin=200),
    ),
    ("show_open", "GET", "/calls/{call}", S.OPEN, ALL),
    (
        "show_draft",
        "GET",
        "/calls/{call}",
        S.DRAFT,
        table(404, owner=200, coordinator=200, admin=200),
    ),
    (
        "edit_draft",
        "GET",
        "/calls/{call}/edit",
        S.DRAFT,
        table(404, anonymous=302, owner=200, coordinator=200, admin=200),
    ),
    (
        "edit_open",
        "GET",
        "/calls/{call}/edit",
        S.OPEN,
        table(403, anonymous=302, owner=409, coordinator=409, admin=409),
    ),
    (
        "publish",
        "POST",
        "/calls/{call}/publish",
        S.DRAFT,
        table(404, anonymous=302, owner=302, coordinator=302, admin=302),
    ),
    (
        "cancel",
        "POST",
        "/calls/{call}/cancel",
        S.OPEN,
        table(403, anonymous=302, owner=302, coordinator=302, admin=302),
    ),
    (
        "upload",
        "POST",
        "/calls/{call}/documents",
        S.OPEN,
        table(403, anonymous=302, owner=302, coordinator=302, admin=302),
    ),
    ("download_open", "GET", "/calls/{call}/documents/{doc}", S.OPEN, ALL),
    (
        "download_draft",
        "GET",
        "/calls/{call}/documents/{doc}",
        S.DRAFT,
        table(404, owner=200, coordinator=200, admin=200),
    ),
    (
        "ask",
        "POST",
        "/calls/{call}/questions",
        S.OPEN,
        table(403, anonymous=302, provider=302),
    ),
    (
        "answer",
        "POST",
        "/calls/{call}/questions/{question}/answer",
        S.OPEN,
        table(403, anonymous=302, owner=302, coordinator=302, admin=302),
    ),
    (
        "hide",
        "POST",
        "/calls/{call}/questions/{question}/hide",
        S.OPEN,
        table(403, anonymous=302, owner=302, coordinator=302, admin=302),
    ),
]
CASES = [(rid, actor) for rid, *_ in ROUTES for actor in ACTORS]
BY_ID = {r[0]: r for r in ROUTES}


@pytest.mark.parametrize("route,actor", CASES)
def test_access(client, login_as, department, need, owner, route, actor):
    _, method, template, status, expected = BY_ID[route]
    call = make_call(need, status)
    attachment = store_pdf(io.BytesIO(PDF), "guide.pdf", owner, department.id)
    doc = CallDocument(call_id=call.id, attachment=attachment, title="募集要項")
    asker = make_user(Role.PROVIDER)
    question = CallQuestion(call_id=call.id, asked_by_id=asker.id, body="締切は延びますか")
    db.session.add_all([doc, question])
    db.session.flush()
    path = template.format(need=need.id, call=call.id, doc=doc.id, question=question.id)
    sign_in(login_as, actor, department)
    if method == "GET":
        response = client.get(path)
    else:
        data = {
            "body": "質問です",
            "answer": "回答です",
            "title": "追加資料",
            "file": (io.BytesIO(PDF), "extra.pdf"),
        }
        response = client.post(path, data=data, content_type="multipart/form-data")
    assert response.status_code == expected[actor], response.get_data(as_text=True)[:300]
    if response.status_code == 302 and actor == "anonymous":
        assert "/login" in response.headers["Location"]
