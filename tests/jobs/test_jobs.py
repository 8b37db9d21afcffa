"""The job runner: leases against overlapping cron runs, failures isolated, the CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.jobs import services
from matchmaker.jobs.models import JobState
from matchmaker.jobs.services import JOBS, LEASE, Job, run_jobs
from matchmaker.notifications.models import OutboxMessage, OutboxStatus

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def counter(monkeypatch):
    """A registered test job that counts its runs (and only the notification jobs besides)."""
    monkeypatch.setattr(services, "JOB_MODULES", ["matchmaker.notifications.jobs"])
    runs: list[datetime] = []

    def run(now):
        runs.append(now)
        return f"run {len(runs)}"

    monkeypatch.setitem(JOBS, "test.counter", Job("test.counter", run))
    return runs


def hold_lease(name: str, until: datetime, owner: str = "other-host:1") -> None:
    state = db.session.get(JobState, name) or JobState(name=name)
    state.leased_until, state.lease_owner = until, owner
    db.session.add(state)
    db.session.flush()


def test_a_job_runs_and_releases_its_lease(counter):
    assert run_jobs(["test.counter"], now=NOW) == {"test.counter": "run 1"}
    state = db.session.get(JobState, "test.counter")
    assert state.leased_until is None and state.last_result == "run 1"
    assert state.last_started_at == NOW and state.last_finished_at == NOW
    assert run_jobs(["test.counter"], now=NOW + timedelta(minutes=1))["test.counter"] == "run 2"


def test_a_held_lease_makes_a_second_run_skip(counter):
    hold_lease("test.counter", NOW + timedelta(minutes=5))
    result = run_jobs(["test.counter"], now=NOW)
    assert result == {"test.counter": "skipped: another run holds the lease"}
    assert counter == []


def test_an_expired_lease_is_taken_over(counter):
    hold_lease("test.counter", NOW - timedelta(seconds=1))  # its holder crashed
    assert run_jobs(["test.counter"], now=NOW) == {"test.counter": "run 1"}
    assert db.session.get(JobState, "test.counter").lease_owner == services.owner_id()


def test_an_overlapping_run_cannot_take_the_lease_while_the_job_runs(counter, monkeypatch):
    seen = {}

    def run(now):
        seen["until"] = db.session.get(JobState, "test.slow").leased_until
        # a second cron run starting a minute later, while this one is still busy
        seen["taken"] = services.acquire("test.slow", now + timedelta(minutes=1), "host:2")
        return "done"

    monkeypatch.setitem(JOBS, "test.slow", Job("test.slow", run))
    assert run_jobs(["test.slow"], now=NOW) == {"test.slow": "done"}
    assert seen == {"until": NOW + LEASE, "taken": False}


def test_a_failing_job_does_not_stop_the_others(counter, monkeypatch):
    def boom(now):
        db.session.add(
            OutboxMessage(to_address="x@example.org", subject="s", body="b", dedupe_key="boom")
        )
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setitem(JOBS, "test.boom", Job("test.boom", boom))
    result = run_jobs(["test.boom", "test.counter"], now=NOW)
    assert result == {"test.boom": "failed: RuntimeError: disk full", "test.counter": "run 1"}
    assert db.session.scalar(select(OutboxMessage)) is None  # its work was rolled back
    state = db.session.get(JobState, "test.boom")
    assert state.leased_until is None and "disk full" in state.last_result


def test_unknown_job_names_run_nothing(counter):
    with pytest.raises(KeyError):
        run_jobs(["test.counter", "no.such.job"], now=NOW)
    assert counter == []


def test_all_jobs_run_in_registration_order(counter):
    result = run_jobs(now=NOW)
    ours = [name for name in result if name.startswith("notifications.")]
    assert ours == [
        "notifications.seed_matches",
        "notifications.digests",
        "notifications.send_outbox",
    ]
    assert result["test.counter"] == "run 1"


# --- the command line ---------------------------------------------------------------------


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_flask_jobs_run_prints_one_line_per_job(runner, counter, app, monkeypatch):
    monkeypatch.setitem(app.config, "MATCHMAKER_SMTP_HOST", "")
    db.session.add(
        OutboxMessage(to_address="a@example.org", subject="s", body="b", dedupe_key="cli")
    )
    db.session.flush()
    result = runner.invoke(
        args=["jobs", "run", "--only", "notifications.send_outbox", "--only", "test.counter"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "notifications.send_outbox: 1 stored (no SMTP configured)",
        "test.counter: run 1",
    ]
    db.session.expire_all()
    assert db.session.scalar(select(OutboxMessage.status)) is OutboxStatus.STORED


def test_flask_jobs_run_refuses_an_unknown_job(runner, counter):
    result = runner.invoke(args=["jobs", "run", "--only", "nope"])
    assert result.exit_code == 2 and "unknown job: nope" in result.output
    assert counter == []


def test_flask_jobs_run_skips_a_leased_job(runner, counter):
    hold_lease("test.counter", datetime.now(UTC) + timedelta(minutes=5))
    result = runner.invoke(args=["jobs", "run", "--only", "test.counter"])
    assert result.output.strip() == "test.counter: skipped: another run holds the lease"


def test_flask_jobs_list(runner, counter):
    run_jobs(["test.counter"], now=NOW)
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "notifications.send_outbox: never run" in lines
    assert "test.counter: last run 2026-12-01 09:00 JST: run 1" in lines
