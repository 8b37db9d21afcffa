"""n-gram search index for the needs and seeds lists

Revision ID: 3e60cafb1f12
Revises: 66c8937bfb21
Create Date: 2026-11-28 22:15:00

The database keeps the index itself (see matchmaker/common/search_index.py), whatever writes the
rows. SQLite: a contentless FTS5 table per list (trigram tokenizer, detail=none) fed by triggers,
plus an fts5vocab table for two-character CJK terms. A later migration that rebuilds `needs` or
`seeds` with batch mode drops these triggers: it must create them again (tests check they exist).
PostgreSQL: a GIN expression index on search_grams(search_text).
"""
import logging
import time

from alembic import op

log = logging.getLogger('alembic.runtime.migration')


# revision identifiers, used by Alembic.
revision = '3e60cafb1f12'
down_revision = '66c8937bfb21'
branch_labels = None
depends_on = None

TABLES = ('needs', 'seeds')
CHUNK = 5000

# The same grams as matchmaker.common.ngrams.text_grams: trigrams of each run between ASCII
# white space, and bigrams of two CJK characters (ngrams.CJK_RANGES). Only pg_catalog functions,
# so a restore (search_path '') can build the index.
PG_FUNCTION = r"""
CREATE FUNCTION search_grams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000 AS $f$
WITH runs AS (SELECT regexp_split_to_table(t, '[ \t\n\r\f\v]+') AS w)
SELECT coalesce(array_agg(DISTINCT g COLLATE "C"), '{}') FROM (
    SELECT substr(w, i, 3) AS g FROM runs, generate_series(1, length(w) - 2) AS i
    UNION ALL
    SELECT b FROM (
        SELECT substr(w, i, 2) AS b
        FROM runs, generate_series(1, length(w) - 1) AS i
        WHERE w ~ '[\u2E80-\U0003FFFF]'
    ) AS pairs
    WHERE b ~ '^[\u2E80-\u2FDF\u3001-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFF61-\uFFDC\U00020000-\U0003FFFF]{2}$'
) AS grams
$f$
"""


def _sqlite_upgrade(table):
    fts = f'{table}_grams'
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5("
        "search_text, content='', tokenize='trigram', detail=none)"
    )
    op.execute(f"CREATE VIRTUAL TABLE {fts}_vocab USING fts5vocab({fts}, 'row')")
    # the newline: a two-character term at the very end of a text still starts an index term;
    # 'delete' must be given exactly what was indexed, which only the old row knows
    row = f"INSERT INTO {fts}(rowid, search_text) VALUES (new.id, new.search_text || char(10));"
    gone = (
        f"INSERT INTO {fts}({fts}, rowid, search_text) "
        f"VALUES ('delete', old.id, old.search_text || char(10));"
    )
    op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {row} END")
    op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {gone} END")
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF id, search_text ON {table} "
        "WHEN old.id IS NOT new.id OR old.search_text IS NOT new.search_text "
        f"BEGIN {gone} {row} END"
    )
    bind = op.get_bind()
    started, after, rows = time.perf_counter(), 0, 0
    while True:
        ids = bind.exec_driver_sql(
            f"SELECT id FROM {table} WHERE id > ? ORDER BY id LIMIT ?", (after, CHUNK)
        ).scalars().all()
        if not ids:
            break
        bind.exec_driver_sql(
            f"INSERT INTO {fts}(rowid, search_text) SELECT id, search_text || char(10) "
            f"FROM {table} WHERE id BETWEEN ? AND ?",
            (ids[0], ids[-1]),
        )
        after, rows = ids[-1], rows + len(ids)
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('optimize')")
    log.info('search index of %s: %d rows in %.1f s', table, rows, time.perf_counter() - started)


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for table in TABLES:
            _sqlite_upgrade(table)
    elif dialect == 'postgresql':
        op.get_bind().exec_driver_sql(PG_FUNCTION)
        for table in TABLES:
            op.execute(f'CREATE INDEX ix_{table}_grams ON {table} USING gin (search_grams(search_text))')


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'sqlite':
        for table in TABLES:
            fts = f'{table}_grams'
            for suffix in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS {fts}_{suffix}')
            op.execute(f'DROP TABLE IF EXISTS {fts}_vocab')
            op.execute(f'DROP TABLE IF EXISTS {fts}')
    elif dialect == 'postgresql':
        for table in TABLES:
            op.execute(f'DROP INDEX IF EXISTS ix_{table}_grams')
        op.execute('DROP FUNCTION IF EXISTS search_grams(text)')
