"""What a database snapshot holds: row counts per table and the Alembic revision."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matchmaker.backup.archive import BackupError
from matchmaker.common.search_index import is_index_table


@dataclass
class Snapshot:
    """A consistent copy of the database written into the staging folder."""

    dialect: str
    path: Path
    revision: str
    counts: dict[str, int]
    details: dict = field(default_factory=dict)


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the connection's default schema, read in its current transaction (the
    search index's tables are derived from needs and seeds, so not counted)."""
    names = sorted(n for n in sa.inspect(conn).get_table_names() if not is_index_table(n))
    count = sa.select(sa.func.count())
    return {name: int(conn.scalar(count.select_from(sa.table(name)))) for name in names}


def alembic_revision(conn: Connection) -> str:
    """The migration the database is at; a database never migrated cannot be backed up."""
    if not sa.inspect(conn).has_table("alembic_version"):
        raise BackupError(
            "The database has no migration revision (alembic_version is missing): "
            "run `flask --app matchmaker db upgrade` first."
        )
    rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all()
    if not rows:
        raise BackupError("The database's alembic_version table is empty.")
    return ",".join(sorted(rows))
