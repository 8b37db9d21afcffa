"""`flask jobs run` (from cron, every minute) and `flask jobs list`."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import force_locale

from matchmaker.common.timezone import format_tokyo

jobs_cli = AppGroup("jobs", help="Scheduled work: open and close calls, digests, e-mail.")


@jobs_cli.command("run")
@click.option(
    "--only", "only", multiple=True, metavar="NAME", help="Run only this job (repeatable)."
)
def jobs_run(only: tuple[str, ...]) -> None:
    """Run every due job once; safe to start every minute and concurrently (leases)."""
    from matchmaker.jobs.services import run_jobs

    with force_locale("en"):
        try:
            results = run_jobs(list(only) or None)
        except KeyError as exc:
            raise click.UsageError(f"unknown job: {exc.args[0]} (see `flask jobs list`)") from None
    for name, summary in results.items():
        click.echo(f"{name}: {summary}")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The registered jobs and how their last run ended."""
    from matchmaker.jobs.services import job_states

    for name, state in job_states().items():
        if state is None or state.last_started_at is None:
            click.echo(f"{name}: never run")
            continue
        finished = format_tokyo(state.last_finished_at) or "running"
        click.echo(f"{name}: last run {finished}: {state.last_result or '-'}")
