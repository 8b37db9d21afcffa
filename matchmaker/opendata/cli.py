"""`flask --app matchmaker opendata import-challenge-gov FILE | export --output PATH`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from tqdm import tqdm

from matchmaker.cli import command_transaction
from matchmaker.matching.runtime import encode_committed

opendata_cli = AppGroup("opendata", help="Open data: Challenge.gov import, public export.")


@opendata_cli.command("import-challenge-gov")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_challenge_gov(file: Path) -> None:
    """Import or update needs from a Challenge.gov JSON Feed file (all or nothing)."""
    summary = _import(file)
    encode_committed()  # the request layer does this after a web import's commit
    click.echo(f"Imported {file.name}: {summary.line()}")
    for external_id, reason in summary.skipped:
        click.echo(f"  skipped {external_id}: {reason}")


@command_transaction
def _import(file: Path):
    from matchmaker.opendata.challenge_gov import parse_feed
    from matchmaker.opendata.importer import import_parsed

    parsed = parse_feed(file.read_bytes())  # a bad file stops here, before any write
    total = len(parsed.skipped) + len(parsed.challenges)
    with tqdm(total=total, unit="challenge", desc="Importing") as bar:
        return import_parsed(parsed, progress=bar.update)


@opendata_cli.command("export")
@click.option(
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the zip.",
)
@click.option("--base-url", default=None, help="Site address for page links in the data.")
def export_zip(output: Path, base_url: str | None) -> None:
    """Write the public open-data zip (CSV, JSON, data dictionary)."""
    from matchmaker.opendata.export import build_export

    base = base_url if base_url is not None else current_app.config.get("MATCHMAKER_PUBLIC_URL")
    data = build_export(base or "")
    output.write_bytes(data)
    click.echo(f"Wrote {output} ({len(data):,} bytes).")
