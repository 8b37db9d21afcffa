"""Registered jobs, each run under a lease row so overlapping cron runs skip rather than
double up; every job must itself be idempotent (it may be retried after a crash)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from matchmaker.db import utcnow
from matchmaker.extensions import db
from matchmaker.jobs.models import JobState

LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[datetime], str]  # takes "now", returns a one-line summary


JOBS: dict[str, Job] = {}


def job(name: str):
    """Register `run(now) -> summary` as a scheduled job."""

    def register(run):
        JOBS[name] = Job(name, run)
        return run

    return register


def owner_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def acquire(name: str, now: datetime, owner: str) -> bool:
    """Take the job's lease unless someone else holds an unexpired one; committed at once."""
    if db.session.get(JobState, name) is None:
        try:
            with db.session.begin_nested():
                db.session.add(JobState(name=name))
                db.session.flush()
        except IntegrityError:
            pass
    taken = db.session.execute(
        update(JobState)
        .where(
            JobState.name == name,
            or_(JobState.leased_until.is_(None), JobState.leased_until < now),
        )
        .values(leased_until=now + LEASE, lease_owner=owner, last_started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(taken)


def release(name: str, now: datetime, result: str) -> None:
    db.session.execute(
        update(JobState)
        .where(JobState.name == name)
        .values(leased_until=None, last_finished_at=now, last_result=result[:2000])
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def run_jobs(names: list[str] | None = None, now: datetime | None = None) -> dict[str, str]:
    """Run the named (or all, in registration order) jobs once, each in its own transaction;
    returns summaries. Unknown names raise KeyError before anything runs."""
    load_job_modules()
    unknown = [name for name in names or () if name not in JOBS]
    if unknown:
        raise KeyError(", ".join(unknown))
    owner = owner_id()
    results = {}
    for name in names or list(JOBS):
        moment = now or utcnow()
        if not acquire(name, moment, owner):
            results[name] = "skipped: another run holds the lease"
            continue
        try:
            summary = JOBS[name].run(moment)
            db.session.commit()
        except Exception as exc:  # one failing job must not stop the others
            db.session.rollback()
            summary = f"failed: {exc.__class__.__name__}: {exc}"
        release(name, moment, summary)
        results[name] = summary
    return results


def job_states() -> dict[str, JobState | None]:
    """Every registered job with its lease row (None before its first run)."""
    load_job_modules()
    return {name: db.session.get(JobState, name) for name in JOBS}


def load_job_modules() -> None:
    """Import the modules that register jobs (kept here so the CLI needs no other wiring)."""
    import importlib

    for module in JOB_MODULES:
        importlib.import_module(module)


JOB_MODULES = ["matchmaker.calls.jobs", "matchmaker.notifications.jobs"]
