"""`flask --app matchmaker backup create|restore`: one archive with the database and uploads."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from flask.cli import AppGroup

from matchmaker.backup.archive import BackupError
from matchmaker.backup.services import Progress, create_backup, restore_backup

backup_cli = AppGroup("backup", help="Back up and restore the database and uploads.")


class ClickProgress(Progress):
    """Progress bars and lines on the terminal (plain lines when output is not a terminal)."""

    def note(self, message: str) -> None:
        click.echo(message)

    @contextlib.contextmanager
    def bar(self, label: str, length: int):
        with click.progressbar(length=max(length, 1), label=label, show_pos=False) as bar:
            yield bar.update


def _size(num: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if num < 1024 or unit == "GB":
            return f"{num:.0f} {unit}" if unit == "B" else f"{num:.1f} {unit}"
        num /= 1024
    return f"{num} B"


@backup_cli.command("create")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path, dir_okay=True),
    help="Archive file to write (.tar.gz), or a folder to put a dated archive in.",
)
@click.option("--overwrite", is_flag=True, help="Replace an existing archive of that name.")
def create(output: Path, overwrite: bool) -> None:
    """Write the database and every uploaded file into one archive with checksums."""
    try:
        result = create_backup(output, ClickProgress(), overwrite=overwrite)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    manifest = result.manifest
    rows = sum(manifest["counts"].values())
    uploads = sum(1 for name in manifest["files"] if name.startswith("uploads/"))
    click.echo(
        f"Backup written to {result.path} ({_size(result.path.stat().st_size)}): "
        f"{manifest['database']['dialect']} database at migration "
        f"{manifest['alembic_revision']}, {rows} rows in {len(manifest['counts'])} tables, "
        f"{uploads} uploaded files."
    )


@backup_cli.command("restore")
@click.argument("archive", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database and uploads.")
def restore(archive: Path, yes: bool) -> None:
    """Replace the database and the uploaded files with the contents of ARCHIVE."""
    if not yes:
        click.echo(
            "Restoring REPLACES the whole database and every uploaded file with the archive's "
            "contents. Stop the web server and the scheduled jobs first."
        )
        try:
            confirmed = click.confirm("Replace them now?", default=False)
        except click.Abort:
            confirmed = False
        if not confirmed:
            raise click.ClickException(
                "Restore cancelled: nothing was changed. Pass --yes to restore without asking."
            )
    try:
        result = restore_backup(archive, ClickProgress())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    counts = result.counts
    click.echo(
        f"Restored the backup of {result.manifest['created_at']}: "
        f"{sum(counts.values())} rows in {len(counts)} tables, {result.files} uploaded files."
    )
    for table, count in sorted(counts.items()):
        click.echo(f"  {table:<28} {count:>8}")
    if result.behind_head:
        click.echo(
            "The archive predates this version's migrations: run "
            "`flask --app matchmaker db upgrade` now."
        )
    click.echo("Restart the web server and workers so that they reload the matcher's index.")
