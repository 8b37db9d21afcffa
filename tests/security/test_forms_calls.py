"""Hostile values in the call forms: create, edit, document titles and the public Q&A."""

from __future__ import annotations

import io

from sqlalchemy import select

from matchmaker.accounts.models import OrgKind, Role
from matchmaker.calls.models import Call, CallDocument, CallQuestion, CallStatus
from matchmaker.calls.services import CURRENCIES
from matchmaker.common import taxonomy
from matchmaker.extensions import db, limiter
from matchmaker.needs.forms import MAX_BUDGET, MAX_LONG_TEXT
from tests.calls.conftest import make_call
from tests.factories import make_need, make_org
from tests.security.helpers import Field, FormTarget, run_form
from tests.security.uploading import PDF

CATEGORY = "Forms: calls and Q&A"

CALL_FIELDS = [
    Field("title", limit=200, required=True, shown=True),
    Field("description", limit=MAX_LONG_TEXT),
    Field("eligibility", limit=MAX_LONG_TEXT),
    Field("pilot_period", limit=200),
    Field("criteria-0-name", limit=200, required=True, attr=""),
    Field("criteria-0-description", limit=1000, attr=""),
    Field("criteria-0-weight", kind="int", low=1, high=100, required=True, attr=""),
    Field("criteria-1-weight", kind="int", low=1, high=100, attr=""),  # a row without a name
    # times: also "closes after it opens", so only consistency is checked
    Field("opens_at", kind="datetime", required=True, attr="", strict=False),
    Field("closes_at", kind="datetime", required=True, attr="", strict=False),
    Field("budget_max", kind="int", low=0, high=MAX_BUDGET),
    Field("budget_currency", kind="choice", choices=CURRENCIES),
    Field("language", kind="choice", choices=tuple(taxonomy.LANGUAGES)),
]


def base_payload() -> dict:
    return {
        "title": "見守りセンサーの実証公募",
        "opens_at": "2030-04-01T10:00",
        "closes_at": "2030-05-01T17:00",
        "budget_currency": "JPY",
        "language": "ja",
        "criteria-0-name": "Impact",
        "criteria-0-weight": "50",
    }


def stored_call(response) -> Call:
    return db.session.get(Call, int(response.headers["Location"].rsplit("/", 1)[-1]))


def test_new_call_form(client, login_as):
    user = login_as(Role.DEPARTMENT)
    need = make_need(org=user.organization)
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/needs/{need.id}/calls/new",
            payload=base_payload,
            stored=stored_call,
            page=lambda call: f"/calls/{call.id}",
            fields=CALL_FIELDS,
        )
    )


def test_edit_call_form(client, login_as):
    user = login_as(Role.DEPARTMENT)
    call = make_call(need=make_need(org=user.organization), status=CallStatus.DRAFT)

    def payload():
        db.session.refresh(call)
        return {**base_payload(), "version": str(call.version)}

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/edit",
            payload=payload,
            stored=lambda r: db.session.get(Call, call.id),
            page=lambda c: f"/calls/{c.id}",
            fields=[*CALL_FIELDS, Field("version", kind="int", high=2**31, attr="", strict=False)],
        )
    )


def latest_question(call) -> CallQuestion:
    stmt = select(CallQuestion).where(CallQuestion.call_id == call.id)
    return db.session.scalars(stmt.order_by(CallQuestion.id.desc())).first()


def test_ask_question_form(client, login_as):
    login_as(Role.PROVIDER)
    call = make_call(need=make_need(org=make_org(OrgKind.DEPARTMENT)))
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/questions",
            payload=dict,
            stored=lambda r: latest_question(call),
            page=lambda q: f"/calls/{call.id}",
            before_each=limiter.reset,  # the question limit is not the subject here
            fields=[Field("body", limit=2000, required=True)],
        )
    )


def test_answer_question_form(client, login_as):
    user = login_as(Role.DEPARTMENT)
    call = make_call(need=make_need(org=user.organization))
    question = CallQuestion(call_id=call.id, body="Can the pilot run outside Setagaya?")
    db.session.add(question)
    db.session.flush()
    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/questions/{question.id}/answer",
            payload=dict,
            stored=lambda r: db.session.get(CallQuestion, question.id),
            page=lambda q: f"/calls/{call.id}",
            fields=[Field("answer", limit=5000, required=True)],
        )
    )


def test_document_title_form(client, login_as, uploads):
    user = login_as(Role.DEPARTMENT)
    call = make_call(need=make_need(org=user.organization))

    def newest(response):
        stmt = select(CallDocument).where(CallDocument.call_id == call.id)
        return db.session.scalars(stmt.order_by(CallDocument.id.desc())).first()

    run_form(
        FormTarget(
            CATEGORY,
            client,
            url=lambda: f"/calls/{call.id}/documents",
            payload=lambda: {"file": (io.BytesIO(PDF), "terms.pdf")},
            stored=newest,
            page=lambda document: f"/calls/{call.id}",
            fields=[Field("title", limit=200, shown=True)],
        )
    )
