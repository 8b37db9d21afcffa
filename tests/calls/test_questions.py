"""Q&A on a call: providers ask, managers answer or hide, the asker hears of the answer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.accounts.models import Role
from matchmaker.calls.models import CallQuestion, CallStatus, QuestionStatus
from matchmaker.extensions import db
from tests.calls.conftest import make_call, notifications_of
from tests.factories import make_user

S = CallStatus
Q = QuestionStatus


def questions_of(call) -> list[CallQuestion]:
    return list(db.session.scalars(select(CallQuestion).where(CallQuestion.call_id == call.id)))


def test_a_question_is_private_until_answered(client, login_as, need, owner):
    call = make_call(need, S.OPEN)
    asker = login_as(Role.PROVIDER)
    response = client.post(
        f"/calls/{call.id}/questions", data={"body": "複数社の共同提案は可能ですか"}
    )
    assert response.status_code == 302
    (question,) = questions_of(call)
    assert question.status is Q.PENDING and question.asked_by_id == asker.id
    assert "複数社の共同提案" in client.get(f"/calls/{call.id}").get_data(as_text=True)

    login_as(Role.PROVIDER)
    assert "複数社の共同提案" not in client.get(f"/calls/{call.id}").get_data(as_text=True)
    login_as(user=owner)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "複数社の共同提案" in page and "Publish answer" in page

    response = client.post(
        f"/calls/{call.id}/questions/{question.id}/answer", data={"answer": "可能です。"}
    )
    assert response.status_code == 302
    db.session.refresh(question)
    assert question.status is Q.ANSWERED and question.answered_by_id == owner.id

    login_as(Role.REVIEWER)
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "複数社の共同提案" in page and "可能です。" in page
    notes = notifications_of(asker, "call_question_answered")
    assert len(notes) == 1 and notes[0].link == f"/calls/{call.id}#question-{question.id}"

    login_as(user=owner)  # correcting the answer does not notify again
    client.post(f"/calls/{call.id}/questions/{question.id}/answer", data={"answer": "可能です!"})
    assert len(notifications_of(asker, "call_question_answered")) == 1


def test_anonymous_readers_see_answered_questions_only(client, need):
    call = make_call(need, S.OPEN)
    asker = make_user(Role.PROVIDER)
    db.session.add_all(
        [
            CallQuestion(call_id=call.id, asked_by_id=asker.id, body="未回答の質問"),
            CallQuestion(
                call_id=call.id,
                asked_by_id=asker.id,
                body="回答済みの質問",
                status=Q.ANSWERED,
                answer="回答",
            ),
            CallQuestion(
                call_id=call.id, asked_by_id=asker.id, body="非表示の質問", status=Q.HIDDEN
            ),
        ]
    )
    db.session.flush()
    page = client.get(f"/calls/{call.id}").get_data(as_text=True)
    assert "回答済みの質問" in page
    assert "未回答の質問" not in page and "非表示の質問" not in page


def test_hidden_questions_disappear(client, login_as, need, owner):
    call = make_call(need, S.OPEN)
    asker = make_user(Role.PROVIDER)
    question = CallQuestion(call_id=call.id, asked_by_id=asker.id, body="関係のない質問")
    db.session.add(question)
    db.session.flush()
    login_as(user=owner)
    assert client.post(f"/calls/{call.id}/questions/{question.id}/hide", data={}).status_code == 302
    db.session.refresh(question)
    assert question.status is Q.HIDDEN
    login_as(user=asker)
    assert "関係のない質問" not in client.get(f"/calls/{call.id}").get_data(as_text=True)


@pytest.mark.parametrize("status", [S.UNDER_EVALUATION, S.DECIDED, S.CANCELLED])
def test_no_questions_on_a_closed_call(client, login_as, need, status):
    call = make_call(need, status)
    login_as(Role.PROVIDER)
    response = client.post(f"/calls/{call.id}/questions", data={"body": "まだ間に合いますか"})
    assert response.status_code == 409
    assert questions_of(call) == []


def test_empty_or_long_questions_are_refused(client, login_as, need):
    call = make_call(need, S.OPEN)
    login_as(Role.PROVIDER)
    assert client.post(f"/calls/{call.id}/questions", data={"body": " "}).status_code == 422
    response = client.post(f"/calls/{call.id}/questions", data={"body": "あ" * 2001})
    assert response.status_code == 422
    assert questions_of(call) == []


def test_a_question_of_another_call_is_404(client, login_as, need, owner):
    call, other = make_call(need, S.OPEN), make_call(need, S.OPEN)
    question = CallQuestion(call_id=other.id, body="別の公募への質問")
    db.session.add(question)
    db.session.flush()
    login_as(user=owner)
    response = client.post(f"/calls/{call.id}/questions/{question.id}/answer", data={"answer": "x"})
    assert response.status_code == 404


def test_questions_are_rate_limited(client, login_as, need):
    call = make_call(need, S.OPEN)
    login_as(Role.PROVIDER)
    codes = [
        client.post(f"/calls/{call.id}/questions", data={"body": f"質問 {i}"}).status_code
        for i in range(11)
    ]
    assert codes[:10] == [302] * 10 and codes[10] == 429
    assert len(questions_of(call)) == 10


def test_csrf_is_required(client, login_as, need):
    call = make_call(need, S.OPEN)
    login_as(Role.PROVIDER)
    response = client.post(f"/calls/{call.id}/questions", data={"body": "質問"}, csrf=False)
    assert response.status_code == 400
    assert questions_of(call) == []
