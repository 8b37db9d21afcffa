"""Public questions on a call: providers ask, the call's managers answer or hide."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import or_, select

from matchmaker.accounts.models import Role, User
from matchmaker.audit.services import record
from matchmaker.calls.models import Call, CallQuestion, CallStatus, QuestionStatus
from matchmaker.calls.services import can_manage_call, can_view_call
from matchmaker.common.errors import Conflict, DomainError, NotAllowed
from matchmaker.db import utcnow
from matchmaker.extensions import db

Q = QuestionStatus
ASKING_STATUSES = (CallStatus.SCHEDULED, CallStatus.OPEN)
MAX_QUESTION = 2000
MAX_ANSWER = 5000


def can_ask(user, call: Call) -> bool:
    """Approved providers may ask while the call is announced or open."""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.role is Role.PROVIDER
        and user.is_approved
        and can_view_call(user, call)
        and call.status in ASKING_STATUSES
    )


def ask_question(user: User, call: Call, body: str) -> CallQuestion:
    if not can_ask(user, call):
        if call.status not in ASKING_STATUSES:
            raise Conflict(_("This call no longer takes questions."))
        raise NotAllowed(_("Only approved solution providers can ask questions."))
    body = (body or "").strip()
    if not body or len(body) > MAX_QUESTION:
        raise DomainError(_("Write a question of at most %(n)d characters.", n=MAX_QUESTION))
    question = CallQuestion(call_id=call.id, asked_by_id=user.id, body=body)
    db.session.add(question)
    db.session.flush()
    record("call_question_ask", actor=user, obj=call, question_id=question.id)
    return question


def _check_manager(user, call: Call, question: CallQuestion) -> None:
    if question.call_id != call.id:
        raise DomainError(_("This question belongs to another call."))
    if not can_manage_call(user, call) or not user.is_approved:
        raise NotAllowed(_("Only the call's department or a coordinator can do this."))


def answer_question(user: User, call: Call, question: CallQuestion, answer: str, now=None):
    """Publish (or correct) the answer; the asker hears of it once."""
    _check_manager(user, call, question)
    answer = (answer or "").strip()
    if not answer or len(answer) > MAX_ANSWER:
        raise DomainError(_("Write an answer of at most %(n)d characters.", n=MAX_ANSWER))
    question.answer = answer
    question.status = Q.ANSWERED
    question.answered_by_id = user.id
    question.answered_at = now or utcnow()
    db.session.flush()
    record("call_question_answer", actor=user, obj=call, question_id=question.id)
    if question.asked_by is not None:
        from matchmaker.notifications.services import notify

        notify(
            [question.asked_by],
            "call_question_answered",
            {"call_id": call.id, "title": call.title, "question_id": question.id},
            f"/calls/{call.id}#question-{question.id}",
            f"call_question:{question.id}:answered",
        )
    return question


def hide_question(user: User, call: Call, question: CallQuestion) -> CallQuestion:
    _check_manager(user, call, question)
    question.status = Q.HIDDEN
    db.session.flush()
    record("call_question_hide", actor=user, obj=call, question_id=question.id)
    return question


def visible_questions(user, call: Call) -> list[CallQuestion]:
    """Answered ones for everyone; managers also see pending ones, askers their own."""
    stmt = select(CallQuestion).where(CallQuestion.call_id == call.id)
    if can_manage_call(user, call):
        stmt = stmt.where(CallQuestion.status != Q.HIDDEN)
    elif user is not None and getattr(user, "is_authenticated", False):
        stmt = stmt.where(
            or_(
                CallQuestion.status == Q.ANSWERED,
                (CallQuestion.status == Q.PENDING) & (CallQuestion.asked_by_id == user.id),
            )
        )
    else:
        stmt = stmt.where(CallQuestion.status == Q.ANSWERED)
    return list(db.session.scalars(stmt.order_by(CallQuestion.created_at, CallQuestion.id)))


def question_or_404(call: Call, question_id: int) -> CallQuestion | None:
    question = db.session.get(CallQuestion, question_id) if question_id <= 2**31 - 1 else None
    return question if question is not None and question.call_id == call.id else None
