"""The n-gram index that narrows the needs and seeds list searches to candidate rows.

The index only narrows: the LIKE on the search column stays the final test, so results are the
same as a scan. Both databases keep the index themselves, in the writing transaction, whatever
wrote the row (ORM, Core bulk inserts, a restore), so no application code has to keep it in sync:

- SQLite: a contentless FTS5 table `<table>_grams` (trigram tokenizer, detail=none) filled by
  triggers on the table from `search_text || char(10)`, and an fts5vocab table over it. A
  two-character CJK term has no trigram; every place it occurs is followed by a character (hence
  the newline), so the rows holding it are those of the index terms that start with it.
- PostgreSQL: a GIN expression index on `search_grams(search_text)`, an immutable SQL function
  that returns the same grams as `ngrams.text_grams`.

The migration 20261128_2215 creates them; `flask search reindex` rebuilds them.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression

from matchmaker.common.ngrams import term_grams

INDEXED_TABLES = ("needs", "seeds")
SQLITE_PARTS = ("", "_data", "_idx", "_docsize", "_config", "_vocab")  # FTS5 and shadow tables
SQLITE_TRIGGERS = ("_insert", "_update", "_delete")
CHUNK = 5000
ORDERED_SCAN_FROM = 500  # matches from which a page walks the list's order instead
_CANDIDATES = "search_index_candidates"


def fts_name(table: str) -> str:
    return f"{table}_grams"


def pg_index_name(table: str) -> str:
    return f"ix_{table}_grams"


_INDEX_NAMES = frozenset(
    {fts_name(t) + part for t in INDEXED_TABLES for part in SQLITE_PARTS}
    | {pg_index_name(t) for t in INDEXED_TABLES}
)


def is_index_table(name: str | None) -> bool:
    """Tables and indexes of the search index: not ORM models, so Alembic must not compare them."""
    return name in _INDEX_NAMES


def alembic_include_name(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name hook (migrations/env.py and the schema test share it)."""
    return not (type_ in ("table", "index") and is_index_table(name))


def _quoted(gram: str) -> str:
    """An FTS5 string: any character but the double quote, which is doubled."""
    return '"' + gram.replace('"', '""') + '"'


def _candidates(clause: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Marked, so that `in_list_order` can find the clause again."""
    return clause._annotate({_CANDIDATES: True})


def walk_in_order(total: int, rows_needed: int) -> bool:
    """Whether a page of a search with `total` matches is cheaper read in the list's order: the
    matches are dense enough that a few rows per match lead to the page."""
    return total >= max(ORDERED_SCAN_FROM, 20 * rows_needed)


def in_list_order(stmt: sa.Select) -> sa.Select:
    """The same query, but the database walks the index of the ORDER BY instead of reading and
    sorting every candidate: a page of a common term then costs a few ms, not one row per match.
    SQLite still checks each id against the candidates (before reading the row); PostgreSQL's
    planner would take the GIN index again, so there the LIKE alone filters the walk."""

    def unindexed(element):
        if not element._annotations.get(_CANDIDATES):
            return None
        if isinstance(element, BinaryExpression) and element.operator is operators.in_op:
            left = element.left + sa.literal_column("0")
            return BinaryExpression(left, element.right, element.operator)
        return sa.true()

    return visitors.replacement_traverse(stmt, {}, unindexed)


def _sqlite_clause(table: sa.Table, grams: list[str]) -> sa.ColumnElement[bool]:
    fts = fts_name(table.name)
    rowid = sa.literal_column("rowid")
    match = sa.literal_column(fts).op("MATCH")
    clauses = []
    trigrams = [g for g in grams if len(g) == 3]
    if trigrams:
        sub = (
            sa.select(rowid)
            .select_from(sa.table(fts))
            .where(match(" AND ".join(_quoted(g) for g in trigrams)))
        )
        clauses.append(_candidates(table.c.id.in_(sub)))
    for bigram in (g for g in grams if len(g) == 2):
        term = sa.column("term")
        phrase = sa.literal('"') + sa.func.replace(term, '"', '""') + sa.literal('"')
        ored = sa.func.coalesce(sa.func.group_concat(phrase, " OR "), '""')
        upper = bigram[0] + chr(ord(bigram[1]) + 1)  # every term that starts with the bigram
        terms = (
            sa.select(ored)
            .select_from(sa.table(f"{fts}_vocab", term))
            .where(term >= bigram, term < upper)
            .scalar_subquery()
        )
        sub = sa.select(rowid).select_from(sa.table(fts)).where(match(terms))
        clauses.append(_candidates(table.c.id.in_(sub)))
    return sa.and_(*clauses)


def narrow(column: InstrumentedAttribute, term: str, dialect: str) -> sa.ColumnElement | None:
    """A condition that keeps every row whose search column contains `term` (and some others),
    answered from the index; None where the table has no index or the term no gram."""
    table = getattr(column.expression, "table", None)
    if not isinstance(table, sa.Table) or table.name not in INDEXED_TABLES:
        return None
    grams = term_grams(term)
    if not grams:
        return None
    if dialect == "postgresql":
        return _candidates(sa.func.search_grams(column, type_=ARRAY(sa.Text)).contains(grams))
    if dialect == "sqlite":
        return _sqlite_clause(table, grams)
    return None


def missing(conn: Connection) -> list[str]:
    """Parts of the index that the database lacks (a migration that rebuilt a table drops its
    triggers on SQLite); empty when everything is in place."""
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master")
        have = set(rows.scalars())
        wanted = [fts_name(t) + p for t in INDEXED_TABLES for p in ("", "_vocab")]
        wanted += [fts_name(t) + s for t in INDEXED_TABLES for s in SQLITE_TRIGGERS]
        return [name for name in wanted if name not in have]
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        )
        have = set(rows.scalars())
        return [pg_index_name(t) for t in INDEXED_TABLES if pg_index_name(t) not in have]
    return []


def coverage(conn: Connection, table: str) -> tuple[int, int]:
    """(rows of the table, rows the index holds): equal unless the index fell behind."""
    rows = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()  # noqa: S608
    if conn.dialect.name != "sqlite":
        return rows, rows  # an expression index always holds every row
    indexed = conn.exec_driver_sql(f"SELECT count(*) FROM {fts_name(table)}").scalar_one()  # noqa: S608
    return rows, indexed


def rebuild(conn: Connection, table: str, progress: Callable[[int], None] = lambda n: None) -> int:
    """Index every row of `table` again from its search column, in the caller's transaction;
    returns the number of rows. `progress` is told how many rows each step covered."""
    if table not in INDEXED_TABLES:
        raise ValueError(f"{table} has no search index")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"REINDEX INDEX {pg_index_name(table)}")
        rows = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()  # noqa: S608
        progress(rows)
        return rows
    fts = fts_name(table)
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('delete-all')")  # noqa: S608
    chunk = sa.text(f"SELECT id FROM {table} WHERE id > :after ORDER BY id LIMIT :n")  # noqa: S608
    fill = sa.text(  # as the triggers of the migration: the text and a newline
        f"INSERT INTO {fts}(rowid, search_text) SELECT id, search_text || char(10) "  # noqa: S608
        f"FROM {table} WHERE id BETWEEN :first AND :last"
    )
    after = rows = 0
    while ids := conn.execute(chunk, {"after": after, "n": CHUNK}).scalars().all():
        conn.execute(fill, {"first": ids[0], "last": ids[-1]})
        after, rows = ids[-1], rows + len(ids)
        progress(len(ids))
    conn.exec_driver_sql(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")  # noqa: S608
    return rows
