"""`flask --app matchmaker search reindex|status`: the n-gram index of the needs and seeds lists."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from matchmaker.cli import command_transaction
from matchmaker.common import search_index
from matchmaker.extensions import db

search_cli = AppGroup("search", help="The search index of the needs and seeds lists.")


def _check(conn) -> None:
    gaps = search_index.missing(conn)
    if gaps:
        raise click.ClickException(
            "The search index is not installed (missing: " + ", ".join(gaps) + "). Run "
            "`flask --app matchmaker db upgrade`; if the database is at the newest revision, a "
            "migration dropped them and must create them again."
        )


@search_cli.command("reindex")
@command_transaction
def reindex() -> None:
    """Index every need and seed again from its search text (after a restore from a file made
    by other tools, or when a search misses records). One transaction: the lists keep their old
    index until it ends; on SQLite writers wait meanwhile (about a minute at 100,000 seeds)."""
    conn = db.session.connection()
    _check(conn)
    done = {}
    for table in search_index.INDEXED_TABLES:
        total, _indexed = search_index.coverage(conn, table)
        with click.progressbar(length=total, label=f"Indexing {table}", show_pos=True) as bar:
            done[table] = search_index.rebuild(conn, table, progress=bar.update)
    click.echo("Search index rebuilt: " + ", ".join(f"{n} {t}" for t, n in done.items()) + ".")


@search_cli.command("status")
def status() -> None:
    """Say whether the index is installed and how many rows it holds."""
    conn = db.session.connection()
    _check(conn)
    for table in search_index.INDEXED_TABLES:
        rows, indexed = search_index.coverage(conn, table)
        click.echo(f"{table}: {rows} rows, {indexed} in the search index")
    db.session.rollback()
