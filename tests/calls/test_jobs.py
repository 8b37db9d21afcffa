"""The open/close jobs: on time given `now`, idempotent, race-safe, one notice per follower."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from matchmaker.accounts.models import Role
from matchmaker.calls import jobs
from matchmaker.calls.models import Call, CallStatus
from matchmaker.extensions import db
from matchmaker.jobs.services import run_jobs
from matchmaker.notifications.models import OutboxMessage
from tests.calls.conftest import NOW, follow, make_call, notifications_of
from tests.factories import make_user

S = CallStatus


def test_open_due_opens_at_the_opening_time_only(need):
    call = make_call(need, S.SCHEDULED, opens_at=NOW, closes_at=NOW + timedelta(days=7))
    assert jobs.open_due_calls(NOW - timedelta(seconds=1)) == 0
    assert call.status is S.SCHEDULED
    assert jobs.open_due_calls(NOW) == 1
    db.session.refresh(call)
    assert call.status is S.OPEN and call.opened_at == NOW
    assert jobs.open_due_calls(NOW + timedelta(minutes=1)) == 0


def test_close_due_closes_at_the_closing_time_only(need):
    call = make_call(need, S.OPEN, closes_at=NOW)
    assert jobs.close_due_calls(NOW - timedelta(seconds=1)) == 0
    assert jobs.close_due_calls(NOW) == 1
    db.session.refresh(call)
    assert call.status is S.UNDER_EVALUATION and call.closed_at == NOW
    assert jobs.close_due_calls(NOW + timedelta(minutes=1)) == 0


def test_jobs_leave_other_statuses_alone(need):
    calls = [
        make_call(need, status, opens_at=NOW - timedelta(days=2), closes_at=NOW - timedelta(days=1))
        for status in (S.DRAFT, S.CANCELLED, S.DECIDED, S.UNDER_EVALUATION)
    ]
    assert jobs.open_due_calls(NOW) == 0 and jobs.close_due_calls(NOW) == 0
    for call in calls:
        before = call.status
        db.session.refresh(call)
        assert call.status is before


def test_a_call_moved_by_another_run_is_not_moved_again(need, monkeypatch):
    """The conditional UPDATE matches nothing when a concurrent run got there first."""
    call = make_call(need, S.SCHEDULED, opens_at=NOW - timedelta(minutes=1))
    original = db.session.scalars

    def racing_scalars(stmt, *args, **kwargs):
        ids = list(original(stmt, *args, **kwargs))
        db.session.execute(
            update(Call).where(Call.id == call.id).values(status=S.OPEN, version=Call.version + 1)
        )
        return iter(ids)

    monkeypatch.setattr(db.session, "scalars", racing_scalars)
    watcher = make_user(Role.PROVIDER)
    follow(watcher, "call", call.id)
    assert jobs.open_due_calls(NOW) == 0
    monkeypatch.undo()
    assert notifications_of(watcher) == []


def test_followers_of_call_and_need_hear_once(need):
    call = make_call(need, S.SCHEDULED, opens_at=NOW, closes_at=NOW + timedelta(days=1))
    both, call_only, need_only = (make_user(Role.PROVIDER) for _ in range(3))
    follow(both, "call", call.id)
    follow(both, "need", need.id)
    follow(call_only, "call", call.id)
    follow(need_only, "need", need.id)
    jobs.open_due_calls(NOW)
    jobs.open_due_calls(NOW)
    for user in (both, call_only, need_only):
        notes = notifications_of(user, "call_opened")
        assert len(notes) == 1
        assert notes[0].dedupe_key == f"call:{call.id}:open"
        assert notes[0].link == f"/calls/{call.id}"
    jobs.close_due_calls(NOW + timedelta(days=1))
    jobs.close_due_calls(NOW + timedelta(days=2))
    assert len(notifications_of(both, "call_closed")) == 1
    mails = db.session.query(OutboxMessage).filter_by(user_id=both.id).all()
    assert len(mails) == 2


def test_registered_jobs_run_through_the_runner(need):
    call = make_call(need, S.SCHEDULED, opens_at=NOW, closes_at=NOW + timedelta(hours=1))
    results = run_jobs(["calls.open_due", "calls.close_due"], now=NOW)
    assert results["calls.open_due"] == "opened 1 call(s)"
    assert results["calls.close_due"] == "closed 0 call(s)"
    db.session.refresh(call)
    assert call.status is S.OPEN
    results = run_jobs(["calls.close_due"], now=NOW + timedelta(hours=1))
    assert results["calls.close_due"] == "closed 1 call(s)"
    db.session.refresh(call)
    assert call.status is S.UNDER_EVALUATION
