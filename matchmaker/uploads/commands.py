"""`flask --app matchmaker uploads sweep`: reclaim files no row names (run it daily from cron)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup

uploads_cli = AppGroup("uploads", help="Uploaded files on disk.")


@uploads_cli.command("sweep")
@click.option("--yes", is_flag=True, help="Delete the orphan files (without it: only list them).")
@click.option(
    "--older-than",
    "hours",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Hours a file must be old: a request still running may not have committed its row.",
)
def sweep(yes: bool, hours: int) -> None:
    """List, and with --yes delete, upload files that no attachment row names."""
    from matchmaker.uploads.sweep import sweep_orphans

    report = sweep_orphans(remove=yes, grace=timedelta(hours=hours))
    for path in report.orphans:
        click.echo(f"orphan: {path.name}")
    verb = "removed" if yes else "found (run again with --yes to delete them)"
    size_mb = report.orphan_bytes / 1024 / 1024
    click.echo(
        f"{report.checked} files checked; {len(report.orphans)} orphan files ({size_mb:.1f} MB)"
        f" {verb}"
    )
    for name in report.missing:
        click.echo(f"missing file for attachment {name}: restore it from a backup", err=True)
    if report.missing:
        raise SystemExit(1)
