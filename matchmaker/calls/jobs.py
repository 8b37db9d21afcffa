"""Scheduled jobs that open and close calls on time; safe to run every minute and twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from matchmaker.audit.services import record
from matchmaker.calls.models import Call, CallStatus
from matchmaker.calls.services import notify_phase
from matchmaker.extensions import db
from matchmaker.jobs.services import job

S = CallStatus


def _advance(action: str, source: CallStatus, target: CallStatus, due, stamp: str, now) -> int:
    """Move every due call with a conditional UPDATE: a concurrent run that got there first
    matches no row, so nothing is moved or announced twice."""
    ids = list(db.session.scalars(select(Call.id).where(Call.status == source, due)))
    moved = 0
    for call_id in ids:
        changed = db.session.execute(
            update(Call)
            .where(Call.id == call_id, Call.status == source, due)
            .values(
                {
                    Call.status: target,
                    Call.version: Call.version + 1,
                    getattr(Call, stamp): now,
                    Call.updated_at: now,
                }
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            continue
        moved += 1
        call = db.session.get(Call, call_id)
        db.session.refresh(call)
        record(f"call_{action}", obj=call, job=True, **{"from": source, "to": target})
        notify_phase(call, action)
    db.session.flush()
    return moved


def open_due_calls(now: datetime) -> int:
    return _advance("open", S.SCHEDULED, S.OPEN, Call.opens_at <= now, "opened_at", now)


def close_due_calls(now: datetime) -> int:
    return _advance("close", S.OPEN, S.UNDER_EVALUATION, Call.closes_at <= now, "closed_at", now)


@job("calls.open_due")
def run_open_due(now: datetime) -> str:
    return f"opened {open_due_calls(now)} call(s)"


@job("calls.close_due")
def run_close_due(now: datetime) -> str:
    return f"closed {close_due_calls(now)} call(s)"
